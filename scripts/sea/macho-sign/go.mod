module devpod-provider-nomad/scripts/sea/macho-sign

go 1.21

require github.com/blacktop/go-macho v1.1.296

require github.com/blacktop/go-dwarf v1.1.0 // indirect
