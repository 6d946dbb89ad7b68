// Command argo-analysis runs AnalysisTemplate metrics through Argo Rollouts' own Prometheus provider
// and condition evaluation (the pinned controller version, from Go modules), so the canary gate's
// conditions are checked against the Argo Rollouts code that will evaluate them rather than a re-implementation.
//
// Input (stdin, JSON): {"metric": <AnalysisTemplate metric>, "cases": [{"name": str, "vector": [num|"NaN"] | null, "scalar": num|"NaN"}]}
// A case with "vector" answers the query with an instant vector of those samples ([] = no series);
// with "scalar", with a scalar. Output (stdout, JSON): [{"name": str, "phase": str, "message": str, "value": str}].
//
// With "runs": [{"name": str, "measurements": [case...]}] instead of "cases", each run's measurements are
// taken in order through the same provider and the run's phase after each is decided by Argo Rollouts'
// own metric assessment (analysis.assessMetricStatus, reached through go:linkname: it is unexported),
// so a run's verdict — Successful at its count, Failed past failureLimit, Inconclusive past
// inconclusiveLimit — is the controller's, not ours. Output: {"validation": str, "runs": [{"name": str,
// "phase": str, "measurements": [str]}]}, "validation" being analysisutil.ValidateMetric's error ("" if none).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"time"
	_ "unsafe" // go:linkname

	_ "github.com/argoproj/argo-rollouts/analysis"

	"github.com/argoproj/argo-rollouts/metricproviders/prometheus"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
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
	Runs   []runCase       `json:"runs"`
}

type runCase struct {
	Name         string     `json:"name"`
	Measurements []testCase `json:"measurements"`
}

type runResult struct {
	Name         string   `json:"name"`
	Phase        string   `json:"phase"`
	Measurements []string `json:"measurements"`
}

// assessMetricStatus is the controller's verdict on one metric of a run (analysis/analysis.go, v1.9.0).
//
//go:linkname assessMetricStatus github.com/argoproj/argo-rollouts/analysis.assessMetricStatus
func assessMetricStatus(metric v1alpha1.Metric, result v1alpha1.MetricResult, terminating bool) v1alpha1.AnalysisPhase

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
	// The assessment logs each verdict at info level; the answer is on stdout.
	log.SetLevel(log.WarnLevel)
	if in.Runs != nil {
		emit(runs(in))
		return
	}
	out := make([]result, 0, len(in.Cases))
	for _, c := range in.Cases {
		m := measure(in.Metric, c)
		out = append(out, result{Name: c.Name, Phase: string(m.Phase), Message: m.Message, Value: m.Value})
	}
	emit(out)
}

// measure answers the metric's query with the case's value and runs the provider on it.
func measure(metric v1alpha1.Metric, c testCase) v1alpha1.Measurement {
	now := model.TimeFromUnixNano(time.Now().UnixNano())
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
	p, err := prometheus.NewPrometheusProvider(fakeAPI{response: resp}, *log.NewEntry(log.New()), metric)
	if err != nil {
		fmt.Fprintln(os.Stderr, "argo-analysis:", err)
		os.Exit(2)
	}
	return p.Run(&v1alpha1.AnalysisRun{}, metric)
}

// runs takes each run's measurements in order, counting each as the controller's runMeasurements does
// (analysis/analysis.go: Count for every completed measurement but errors), and stops at the first
// completed verdict of assessMetricStatus; a run whose measurements end before a verdict is "Running".
func runs(in input) map[string]any {
	validation := ""
	if err := analysisutil.ValidateMetric(in.Metric); err != nil {
		validation = err.Error()
	}
	out := make([]runResult, 0, len(in.Runs))
	for _, r := range in.Runs {
		res := v1alpha1.MetricResult{Name: in.Metric.Name}
		rr := runResult{Name: r.Name, Phase: string(v1alpha1.AnalysisPhaseRunning), Measurements: []string{}}
		for _, c := range r.Measurements {
			m := measure(in.Metric, c)
			res.Measurements = append(res.Measurements, m)
			rr.Measurements = append(rr.Measurements, string(m.Phase))
			switch m.Phase {
			case v1alpha1.AnalysisPhaseSuccessful:
				res.Successful++
				res.Count++
				res.ConsecutiveError = 0
				res.ConsecutiveSuccess++
			case v1alpha1.AnalysisPhaseFailed:
				res.Failed++
				res.Count++
				res.ConsecutiveError = 0
				res.ConsecutiveSuccess = 0
			case v1alpha1.AnalysisPhaseInconclusive:
				res.Inconclusive++
				res.Count++
				res.ConsecutiveError = 0
				res.ConsecutiveSuccess = 0
			case v1alpha1.AnalysisPhaseError:
				res.Error++
				res.ConsecutiveError++
				res.ConsecutiveSuccess = 0
			}
			if phase := assessMetricStatus(in.Metric, res, false); phase.Completed() {
				rr.Phase = string(phase)
				break
			}
		}
		out = append(out, rr)
	}
	return map[string]any{"validation": validation, "runs": out}
}

func emit(out any) {
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "argo-analysis:", err)
		os.Exit(2)
	}
}
