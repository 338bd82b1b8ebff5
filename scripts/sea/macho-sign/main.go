// macho-sign: ad-hoc code signature for a Mach-O executable, from any OS (the release is built on Linux, where
// Apple's codesign does not exist). Used by scripts/sea/build.mjs after postject has injected the SEA blob, which
// removes the Node binary's own (Developer ID) signature. macOS on Apple silicon runs no unsigned arm64 code.
//
//	macho-sign -id IDENTIFIER IN OUT
//
// go-macho's Save writes the segments back to back, each Filesz long, while the file has a gap between the
// segment postject added (NODE_SEA, Filesz = the blob's size) and __LINKEDIT, which starts on the next page. So
// every segment's Filesz is first stretched to where the next one starts (never past its Memsz), which keeps every
// byte at its offset; scripts/sea/macho.mjs then checks exactly that, and every page hash of the signature.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/blacktop/go-macho"
	"github.com/blacktop/go-macho/pkg/codesign"
	cstypes "github.com/blacktop/go-macho/pkg/codesign/types"
)

func main() {
	id := flag.String("id", "", "code signing identifier")
	flag.Parse()
	if *id == "" || flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: macho-sign -id IDENTIFIER IN OUT")
		os.Exit(2)
	}
	if err := sign(flag.Arg(0), flag.Arg(1), *id); err != nil {
		fmt.Fprintf(os.Stderr, "macho-sign: %v\n", err)
		os.Exit(1)
	}
}

func sign(in, out, id string) error {
	f, err := macho.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	if f.CodeSignature() != nil {
		return fmt.Errorf("%s is already signed; expected the unsigned output of postject", in)
	}
	var segs []*macho.Segment
	for _, s := range f.Segments() {
		if s.Filesz > 0 {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 || segs[0].Offset != 0 || segs[len(segs)-1].Name != "__LINKEDIT" {
		return fmt.Errorf("unexpected segment layout")
	}
	for i := 0; i+1 < len(segs); i++ {
		s, next := segs[i], segs[i+1]
		if next.Offset < s.Offset+s.Filesz {
			return fmt.Errorf("segments %s and %s overlap or are out of order", s.Name, next.Name)
		}
		if gap := next.Offset - s.Offset; gap != s.Filesz {
			if gap > s.Memsz {
				return fmt.Errorf("segment %s: gap to %s (%d bytes) exceeds its vmsize %d", s.Name, next.Name, gap, s.Memsz)
			}
			s.Filesz = gap
		}
	}
	if err := f.CodeSign(&codesign.Config{ID: id, Flags: cstypes.ADHOC}); err != nil {
		return err
	}
	return f.Save(out)
}
