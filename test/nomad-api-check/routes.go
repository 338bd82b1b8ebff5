package main

import (
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/hashicorp/nomad/api"
)

// routes runs the API module's own client against a local recorder and returns, for each kind, the method and
// path it sends ("ID" and "nomad/jobs/ID" stand for the object's id and a variable's path).
func routes() map[string]string {
	var mu sync.Mutex
	var last string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		last = r.Method + " " + r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			last += "?" + r.URL.RawQuery
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/volume/csi/ID/create" {
			_, _ = w.Write([]byte(`{"Volumes":[{}]}`))
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	client, err := api.NewClient(&api.Config{Address: srv.URL})
	if err != nil {
		panic(err)
	}
	id := "ID"
	job := &api.Job{ID: &id}
	calls := map[string]func(){
		"job-register": func() { _, _, _ = client.Jobs().Register(job, nil) },
		"job-plan":     func() { _, _, _ = client.Jobs().Plan(job, true, nil) },
		"job-validate": func() { _, _, _ = client.Jobs().Validate(job, nil) },
		"jobs-parse":   func() { _, _ = client.Jobs().ParseHCLOpts(&api.JobsParseRequest{JobHCL: "job {}"}) },
		"host-volume-create": func() {
			_, _, _ = client.HostVolumes().Create(&api.HostVolumeCreateRequest{Volume: &api.HostVolume{}}, nil)
		},
		"host-volume-delete": func() { _, _, _ = client.HostVolumes().Delete(&api.HostVolumeDeleteRequest{ID: id}, nil) },
		"csi-volume-create":  func() { _, _, _ = client.CSIVolumes().Create(&api.CSIVolume{ID: id}, nil) },
		"csi-volume-delete":  func() { _ = client.CSIVolumes().Delete(id, nil) },
		"variable-put":       func() { _, _, _ = client.Variables().Create(&api.Variable{Path: "nomad/jobs/ID"}, nil) },
		"variable-delete":    func() { _, _ = client.Variables().Delete("nomad/jobs/ID", nil) },
	}
	out := map[string]string{}
	for kind, call := range calls {
		last = ""
		call()
		out[kind] = last
	}
	return out
}
