// Command alertmanager-config loads an Alertmanager configuration with Alertmanager's own loader (the
// version kube-prometheus-stack deploys, from Go modules) and reports what it resolved, so the
// generated routing is checked by the Alertmanager code that will read it.
//
// Input (stdin): the configuration as YAML or JSON. Output (stdout, JSON): {"error": str} or
// {"receivers": [str], "routes": [{"receiver": str, "matchers": [str], "continue": bool}], "inhibitRules": int,
// "files": [str]} where files are every *_file path the receivers read.
package main

import (
	"encoding/json"
	"io"
	"os"

	"github.com/prometheus/alertmanager/config"
)

type route struct {
	Receiver string   `json:"receiver"`
	Matchers []string `json:"matchers"`
	Continue bool     `json:"continue"`
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	enc := json.NewEncoder(os.Stdout)
	cfg, err := config.Load(string(in))
	if err != nil {
		_ = enc.Encode(map[string]string{"error": err.Error()})
		return
	}
	out := struct {
		Receivers    []string `json:"receivers"`
		Routes       []route  `json:"routes"`
		InhibitRules int      `json:"inhibitRules"`
		Files        []string `json:"files"`
	}{Receivers: []string{}, Routes: []route{}, Files: []string{}}
	for _, r := range cfg.Receivers {
		out.Receivers = append(out.Receivers, r.Name)
		for _, w := range r.WebhookConfigs {
			out.Files = append(out.Files, w.URLFile)
		}
		for _, s := range r.SlackConfigs {
			out.Files = append(out.Files, s.APIURLFile)
		}
		for _, p := range r.PagerdutyConfigs {
			out.Files = append(out.Files, p.RoutingKeyFile)
		}
		for _, e := range r.EmailConfigs {
			if e.AuthPasswordFile != "" {
				out.Files = append(out.Files, e.AuthPasswordFile)
			}
		}
	}
	for _, r := range cfg.Route.Routes {
		m := []string{}
		for _, x := range r.Matchers {
			m = append(m, x.String())
		}
		out.Routes = append(out.Routes, route{Receiver: r.Receiver, Matchers: m, Continue: r.Continue})
	}
	out.InhibitRules = len(cfg.InhibitRules)
	_ = enc.Encode(out)
}
