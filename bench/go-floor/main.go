// The Go floor of bench/startup.ts: a small Go program doing exactly the Nomad reads our `status` and `command`
// do, so the start-up benchmark compares the shipped executable with what a Go provider costs at the least (the
// nomad CLI is a 100+ MB binary that starts slowly itself). Built by the bench with this machine's Go; not shipped.
//
//	go-floor status    GET /v1/job/<job>, /v1/job/<job>/allocations, /v1/job/<job>/evaluations (concurrently, as
//	                   ours does); prints Running, Busy, Stopped or NotFound
//	go-floor version   prints nothing: Go's own start and exit, no HTTP
//	go-floor command   GET /v1/job/<job>/allocations, then the exec websocket of the running allocation with
//	                   ["/bin/sh", "-c", $COMMAND]; stdin forwarded, stdout/stderr relayed, exits with the code
//
// Environment: NOMAD_ADDR, NOMAD_TOKEN (optional), FLOOR_JOB (the job id), FLOOR_TASK (default "workspace").
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

type alloc struct {
	ID            string
	DesiredStatus string
	ClientStatus  string
	TaskStates    map[string]struct{ State string }
}

type job struct {
	Stop   bool
	Status string
}

var (
	addr  = strings.TrimRight(os.Getenv("NOMAD_ADDR"), "/")
	token = os.Getenv("NOMAD_TOKEN")
	jobID = os.Getenv("FLOOR_JOB")
)

func get(path string, into any) (found bool, err error) {
	req, err := http.NewRequest("GET", addr+path, nil)
	if err != nil {
		return false, err
	}
	if token != "" {
		req.Header.Set("X-Nomad-Token", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		io.Copy(io.Discard, res.Body)
		return false, nil
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return false, fmt.Errorf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return true, json.NewDecoder(res.Body).Decode(into)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-floor:", err)
	os.Exit(1)
}

func running(a alloc) bool {
	if a.DesiredStatus != "run" || a.ClientStatus != "running" {
		return false
	}
	for _, t := range a.TaskStates {
		if t.State != "running" {
			return false
		}
	}
	return true
}

func status() {
	base := "/v1/job/" + url.PathEscape(jobID)
	var (
		j      job
		allocs []alloc
		evals  []json.RawMessage
		found  bool
		errs   [3]error
		wg     sync.WaitGroup
	)
	wg.Add(3)
	go func() { defer wg.Done(); found, errs[0] = get(base, &j) }()
	go func() { defer wg.Done(); _, errs[1] = get(base+"/allocations", &allocs) }()
	go func() { defer wg.Done(); _, errs[2] = get(base+"/evaluations", &evals) }()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			fail(err)
		}
	}
	word := "Busy"
	switch {
	case !found:
		word = "NotFound"
	case j.Stop || j.Status == "dead":
		word = "Stopped"
	default:
		for _, a := range allocs {
			if running(a) {
				word = "Running"
			}
		}
	}
	fmt.Println(word)
}

func command() {
	var allocs []alloc
	if _, err := get("/v1/job/"+url.PathEscape(jobID)+"/allocations", &allocs); err != nil {
		fail(err)
	}
	id := ""
	for _, a := range allocs {
		if running(a) {
			id = a.ID
		}
	}
	if id == "" {
		fail(fmt.Errorf("job %s has no running allocation", jobID))
	}
	task := os.Getenv("FLOOR_TASK")
	if task == "" {
		task = "workspace"
	}
	cmd, _ := json.Marshal([]string{"/bin/sh", "-c", os.Getenv("COMMAND")})
	q := url.Values{"task": {task}, "command": {string(cmd)}, "tty": {"false"}}
	u := "ws" + strings.TrimPrefix(addr, "http") + "/v1/client/allocation/" + id + "/exec?" + q.Encode()
	h := http.Header{}
	if token != "" {
		h.Set("X-Nomad-Token", token)
	}
	conn, _, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		fail(err)
	}
	var mu sync.Mutex
	send := func(v any) {
		mu.Lock()
		defer mu.Unlock()
		conn.WriteJSON(v)
	}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := os.Stdin.Read(buf)
			if n > 0 {
				send(map[string]any{"stdin": map[string]string{"data": base64.StdEncoding.EncodeToString(buf[:n])}})
			}
			if err != nil {
				send(map[string]any{"stdin": map[string]bool{"close": true}})
				return
			}
		}
	}()
	for {
		var f struct {
			Stdout *struct{ Data []byte } `json:"stdout"`
			Stderr *struct{ Data []byte } `json:"stderr"`
			Exited bool                   `json:"exited"`
			Result *struct {
				ExitCode int `json:"exit_code"`
			} `json:"result"`
		}
		if err := conn.ReadJSON(&f); err != nil {
			fail(fmt.Errorf("exec ended without an exit code: %w", err))
		}
		if f.Stdout != nil {
			os.Stdout.Write(f.Stdout.Data)
		}
		if f.Stderr != nil {
			os.Stderr.Write(f.Stderr.Data)
		}
		if f.Exited {
			code := 0
			if f.Result != nil {
				code = f.Result.ExitCode
			}
			os.Exit(code)
		}
	}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "version" {
		return
	}
	if len(os.Args) != 2 || addr == "" || jobID == "" {
		fail(fmt.Errorf("usage: NOMAD_ADDR=… FLOOR_JOB=… go-floor status|command"))
	}
	switch os.Args[1] {
	case "status":
		status()
	case "command":
		command()
	default:
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}
