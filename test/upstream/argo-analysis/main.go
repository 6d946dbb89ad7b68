// Command argo-analysis runs AnalysisTemplate metrics through Argo Rollouts' own Prometheus provider
// and condition evaluation (the pinned controller version, from Go modules), so the canary gate's
// conditions are checked against the Argo Rollouts code that will evaluate them rather than a re-implementation.
//
// Input (stdin, JSON): {"metric": <AnalysisTemplate metric>, "cases": [{"name": str, "vector": [num|"NaN"] | null, "scalar": num|"NaN"}]}
// A case with "vector" answers the query with an instant vector of those samples ([] = no series);
// with "scalar", with a scalar. Output (stdout, JSON): [{"name": str, "phase": str, "message": str, "value": str}].
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/argoproj/argo-rollouts/metricproviders/prometheus"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	log "github.com/sirupsen/logrus"
)

type sample struct{ v float64 }

func (s *sample) UnmarshalJSON(b []byte) error {
	var str string
	if json.Unmarshal(b, &str) == nil {
		if str != "NaN" {
			return fmt.Errorf("only the string \"NaN\" is accepted, got %q", str)
		}
		s.v = math.NaN()
		return nil
	}
	return json.Unmarshal(b, &s.v)
}

type testCase struct {
	Name   string    `json:"name"`
	Vector *[]sample `json:"vector"`
	Scalar *sample   `json:"scalar"`
}

type input struct {
	Metric v1alpha1.Metric `json:"metric"`
	Cases  []testCase      `json:"cases"`
}

type result struct {
	Name    string `json:"name"`
	Phase   string `json:"phase"`
	Message string `json:"message"`
	Value   string `json:"value"`
}

// fakeAPI answers every query with one fixed response; the other API methods are never called.
type fakeAPI struct {
	v1.API
	response model.Value
}

func (f fakeAPI) Query(_ context.Context, _ string, ts time.Time, _ ...v1.Option) (model.Value, v1.Warnings, error) {
	return f.response, nil, nil
}

func (f fakeAPI) QueryRange(_ context.Context, _ string, _ v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, error) {
	return f.response, nil, nil
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "argo-analysis: bad input:", err)
		os.Exit(2)
	}
	if in.Metric.Provider.Prometheus == nil {
		fmt.Fprintln(os.Stderr, "argo-analysis: the metric has no prometheus provider")
		os.Exit(2)
	}
	logCtx := *log.NewEntry(log.New())
	out := make([]result, 0, len(in.Cases))
	now := model.TimeFromUnixNano(time.Now().UnixNano())
	for _, c := range in.Cases {
		var resp model.Value
		switch {
		case c.Vector != nil:
			vec := model.Vector{}
			for _, s := range *c.Vector {
				vec = append(vec, &model.Sample{Metric: model.Metric{}, Value: model.SampleValue(s.v), Timestamp: now})
			}
			resp = vec
		case c.Scalar != nil:
			resp = &model.Scalar{Value: model.SampleValue(c.Scalar.v), Timestamp: now}
		default:
			fmt.Fprintf(os.Stderr, "argo-analysis: case %q has neither vector nor scalar\n", c.Name)
			os.Exit(2)
		}
		p, err := prometheus.NewPrometheusProvider(fakeAPI{response: resp}, logCtx, in.Metric)
		if err != nil {
			fmt.Fprintln(os.Stderr, "argo-analysis:", err)
			os.Exit(2)
		}
		m := p.Run(&v1alpha1.AnalysisRun{}, in.Metric)
		out = append(out, result{Name: c.Name, Phase: string(m.Phase), Message: m.Message, Value: m.Value})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "argo-analysis:", err)
		os.Exit(2)
	}
}
