// nomad-api-check decodes request bodies the provider builds into the request types of Nomad's own Go API module
// (github.com/hashicorp/nomad/api, MPL-2.0), strictly: a field the type does not have, a value of the wrong type, a
// field name that matches only case-insensitively, or trailing data fails the case. Nomad's HTTP agent decodes job
// requests into these very types, and the others into its internal structs, leniently either way (unknown fields
// are dropped in silence), which is why a body can be wrong unnoticed.
// It also prints the method and path the API module's own client uses for each kind, for the caller to compare
// with the provider's.
//
//	nomad-api-check CASES.json   (a JSON list of {"name", "kind", "body"}; prints a JSON report, exit 1 on a failure)
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/nomad/api"
)

type testCase struct {
	Name string          `json:"name"`
	Kind string          `json:"kind"`
	Body json.RawMessage `json:"body"`
}

type result struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// The API module's type for each endpoint's body (what Nomad's Go client sends); nil for a request with no body.
var kinds = map[string]func() any{
	"job-register":       func() any { return &api.JobRegisterRequest{} },
	"job-plan":           func() any { return &api.JobPlanRequest{} },
	"job-validate":       func() any { return &api.JobValidateRequest{} },
	"jobs-parse":         func() any { return &api.JobsParseRequest{} },
	"host-volume-create": func() any { return &api.HostVolumeCreateRequest{} },
	"csi-volume-create":  func() any { return &api.CSIVolumeCreateRequest{} },
	"variable-put":       func() any { return &api.Variable{} },
	"host-volume-delete": nil,
	"csi-volume-delete":  nil,
	"variable-delete":    nil,
}

func check(c testCase) error {
	mk, known := kinds[c.Kind]
	if !known {
		return fmt.Errorf("unknown kind %q", c.Kind)
	}
	empty := len(bytes.TrimSpace(c.Body)) == 0 || string(bytes.TrimSpace(c.Body)) == "null"
	if mk == nil {
		if !empty {
			return fmt.Errorf("%s carries no body in Nomad's API, got %s", c.Kind, c.Body)
		}
		return nil
	}
	if empty {
		return fmt.Errorf("%s needs a body", c.Kind)
	}
	target := mk()
	dec := json.NewDecoder(bytes.NewReader(c.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the body")
	}
	// encoding/json matches field names case-insensitively; a name Nomad's own encoder would not write is a
	// mistake even if Nomad accepts it. Re-encoding the decoded value shows the names the type really has.
	again, err := json.Marshal(target)
	if err != nil {
		return err
	}
	var sent, canonical any
	_ = json.Unmarshal(c.Body, &sent)
	_ = json.Unmarshal(again, &canonical)
	return sameNames("", sent, canonical)
}

// sameNames fails on an object key of `sent` that `canonical` has only under another case. A key missing from
// both spellings was an omitempty zero value, which is fine. Maps (driver config, meta) re-encode their own keys.
func sameNames(at string, sent, canonical any) error {
	switch s := sent.(type) {
	case map[string]any:
		c, _ := canonical.(map[string]any)
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if cv, ok := c[k]; ok {
				if err := sameNames(at+"."+k, s[k], cv); err != nil {
					return err
				}
				continue
			}
			for ck := range c {
				if strings.EqualFold(ck, k) {
					return fmt.Errorf("field %s%s is spelled %q in Nomad's API", at, "."+k, ck)
				}
			}
		}
	case []any:
		c, _ := canonical.([]any)
		for i := range s {
			if i < len(c) {
				if err := sameNames(fmt.Sprintf("%s[%d]", at, i), s[i], c[i]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: nomad-api-check CASES.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var cases []testCase
	if err := json.Unmarshal(data, &cases); err != nil {
		fmt.Fprintln(os.Stderr, "cases:", err)
		os.Exit(2)
	}
	report := struct {
		Cases  []result          `json:"cases"`
		Routes map[string]string `json:"routes"`
	}{Routes: routes()}
	failed := false
	for _, c := range cases {
		r := result{Name: c.Name, Kind: c.Kind, OK: true}
		if err := check(c); err != nil {
			r.OK, r.Error, failed = false, err.Error(), true
		}
		report.Cases = append(report.Cases, r)
	}
	out, _ := json.MarshalIndent(report, "", "  ")
	fmt.Println(string(out))
	if failed {
		os.Exit(1)
	}
}
