package flowbench.harness.stats;

import flowbench.harness.testing.Pythons;
import flowbench.testkit.Requirement;
import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cross-checks the statistics against Python: (1) a small NumPy re-implementation written from the definitions in
 * docs/benchmarks.md 4.1 (any python3 with numpy: {@code FLOWBENCH_PYTHON}, else {@code python3}, {@code /usr/bin/python3});
 * (2) the real {@code rliable} package, point estimates and bootstrap intervals, when an interpreter that imports it is
 * found ({@code FLOWBENCH_RLIABLE_PYTHON}, else the same candidates). Each part is skipped when its Python is missing.
 *
 * <p>A venv for (2): {@code python3 -m venv v && v/bin/pip install rliable 'pandas<3'} (arch 7.2, which rliable pulls
 * in, fails to import under pandas 3), then {@code FLOWBENCH_RLIABLE_PYTHON=v/bin/python}.
 */
class RliableCrossCheckTest {
    static String numpyPython;
    static String rliablePython;

    @TempDir
    Path dir;

    @BeforeAll
    static void findPythons() {
        numpyPython = Pythons.withNumpy();
        rliablePython = Pythons.find(java.util.Arrays.asList(env("FLOWBENCH_RLIABLE_PYTHON"), env("FLOWBENCH_PYTHON"), "python3", "/usr/bin/python3"),
                "import numpy; from rliable import library, metrics");
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v;
    }

    private JsonNode python(String python, String script, Map<String, Object> input) throws Exception {
        Path in = dir.resolve("input.json");
        Files.writeString(in, Json.pretty(input));
        Process p = new ProcessBuilder(python, "-c", script, in.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), "python failed:\n" + out);
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        return Json.mapper().readTree(last);
    }

    /** Success rates on a 0.05 grid (20 episodes: many ties, some exact 0 and 1), per task a different level. */
    static Map<String, double[]> scores(long seed, int tasks, int minRuns, int maxRuns) {
        Rng rng = Seeds.rng(seed, "cross-check-data");
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int t = 0; t < tasks; t++) {
            double level = rng.nextDouble();
            int n = minRuns + rng.nextInt(maxRuns - minRuns + 1);
            double[] r = new double[n];
            for (int i = 0; i < n; i++) {
                double v = level + 0.35 * (rng.nextDouble() - 0.5);
                r[i] = Math.round(Math.max(0, Math.min(1, v)) * 20) / 20.0;
            }
            m.put(String.format("task%02d", t), r);
        }
        return m;
    }

    static final String NUMPY_SCRIPT = String.join("\n",
            "import sys, json, numpy as np",
            "d = json.load(open(sys.argv[1]))",
            "def flat(s): return np.concatenate([np.asarray(v, float) for v in s.values()])",
            "def iqm(s):",
            "    a = np.sort(flat(s)); n = len(a); k = int(0.25 * n)  # scipy.stats.trim_mean(a, 0.25)",
            "    return float(np.mean(a[k:n - k]))",
            "def task_means(s): return np.array([np.mean(v) for v in s.values()])",
            "def gap(s): return float(1.0 - np.mean(np.minimum(flat(s), 1.0)))",
            "def poi(x, y):",
            "    ps = []",
            "    for t in x:",
            "        if t not in y: continue",
            "        a = np.asarray(x[t])[:, None]; b = np.asarray(y[t])[None, :]",
            "        ps.append(float(np.mean((a > b) + 0.5 * (a == b))))",
            "    return float(np.mean(ps))",
            "def profile(s, taus): return [float(np.mean(flat(s) > t)) for t in taus]",
            "out = {}",
            "for name in ('x', 'y'):",
            "    s = d[name]",
            "    out[name] = dict(iqm=iqm(s), mean=float(np.mean(task_means(s))), median=float(np.median(task_means(s))),",
            "                     gap=gap(s), profile=profile(s, d['taus']))",
            "out['poi_xy'] = poi(d['x'], d['y']); out['poi_yx'] = poi(d['y'], d['x'])",
            "print(json.dumps(out))");

    @Test
    void pointEstimatesMatchNumpyReimplementation() throws Exception {
        Requirement.NUMPY.assume(numpyPython != null, "a python3 with NumPy");
        for (long seed = 0; seed < 3; seed++) {
            Map<String, double[]> x = scores(seed, 7, 2, 9); // unequal run counts
            Map<String, double[]> y = scores(seed + 100, 6, 3, 5);
            double[] taus = PerformanceProfile.linspace(0, 1, 21);
            Map<String, Object> in = new LinkedHashMap<>();
            in.put("x", x);
            in.put("y", y);
            in.put("taus", taus);
            JsonNode out = python(numpyPython, NUMPY_SCRIPT, in);
            checkPoints(out, x, y, taus, 1e-12, "numpy, seed " + seed);
        }
    }

    private static void checkPoints(JsonNode out, Map<String, double[]> x, Map<String, double[]> y, double[] taus, double tol, String what) {
        for (String name : List.of("x", "y")) {
            Map<String, double[]> s = name.equals("x") ? x : y;
            JsonNode n = out.get(name);
            assertEquals(n.get("iqm").asDouble(), Metric.IQM.of(s), tol, what + " " + name + " IQM");
            assertEquals(n.get("mean").asDouble(), Metric.MEAN.of(s), tol, what + " " + name + " mean");
            assertEquals(n.get("median").asDouble(), Metric.MEDIAN.of(s), tol, what + " " + name + " median");
            assertEquals(n.get("gap").asDouble(), Metric.OPTIMALITY_GAP.of(s), tol, what + " " + name + " gap");
            double[] curve = PerformanceProfile.curve(s, taus);
            for (int k = 0; k < taus.length; k++) {
                assertEquals(n.get("profile").get(k).asDouble(), curve[k], tol, what + " " + name + " profile tau " + taus[k]);
            }
        }
        assertEquals(out.get("poi_xy").asDouble(), ProbabilityOfImprovement.estimate(x, y), tol, what + " P(X>Y)");
        assertEquals(out.get("poi_yx").asDouble(), ProbabilityOfImprovement.estimate(y, x), tol, what + " P(Y>X)");
    }

    /** rliable on [runs, tasks] arrays (equal run counts), its bootstrap seeded through NumPy's global generator. */
    static final String RLIABLE_SCRIPT = String.join("\n",
            "import sys, json, numpy as np",
            "from rliable import library as rly, metrics",
            "d = json.load(open(sys.argv[1]))",
            "def arr(s): return np.array([s[t] for t in sorted(s)], float).T  # [runs, tasks]",
            "x, y = arr(d['x']), arr(d['y'])",
            "agg = lambda s: np.array([metrics.aggregate_iqm(s), metrics.aggregate_mean(s), metrics.aggregate_median(s),",
            "                          metrics.aggregate_optimality_gap(s)])",
            "out = {}",
            "for name, s in (('x', x), ('y', y)):",
            "    iqm, mean, median, gap = agg(s)",
            "    out[name] = dict(iqm=float(iqm), mean=float(mean), median=float(median), gap=float(gap),",
            "                     profile=[float(rly.run_score_deviation(s, t)) for t in d['taus']])",
            "out['poi_xy'] = float(metrics.probability_of_improvement(x, y))",
            "out['poi_yx'] = float(metrics.probability_of_improvement(y, x))",
            "np.random.seed(0)",
            "pe, ci = rly.get_interval_estimates({'x': x}, agg, reps=d['reps'])",
            "out['ci'] = ci['x'].T.tolist()  # per metric [lower, upper]",
            "np.random.seed(0)",
            "pe, ci = rly.get_interval_estimates({'xy': (x, y)}, metrics.probability_of_improvement, reps=d['reps'])",
            "out['poi_ci'] = np.ravel(ci['xy']).tolist()",
            "np.random.seed(0)",
            "prof, prof_ci = rly.create_performance_profile({'x': x}, np.array(d['taus']), reps=2000)",
            "out['profile_ci'] = np.asarray(prof_ci['x']).tolist()  # [2][taus]",
            "print(json.dumps(out))");

    @Test
    void pointEstimatesAndIntervalsMatchRliable() throws Exception {
        Requirement.RLIABLE.assume(rliablePython != null, "a Python with the rliable package");
        Map<String, double[]> x = scores(5, 5, 6, 6);
        Map<String, double[]> y = scores(6, 5, 6, 6);
        double[] taus = PerformanceProfile.linspace(0, 1, 21);
        int reps = 5_000;
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("x", x);
        in.put("y", y);
        in.put("taus", taus);
        in.put("reps", reps);
        JsonNode out = python(rliablePython, RLIABLE_SCRIPT, in);
        checkPoints(out, x, y, taus, 1e-12, "rliable");
        // intervals: the same procedure with different random streams; with 5,000 reps the Monte Carlo error of a
        // 2.5% / 97.5% percentile is about 0.002 here, so the ends must agree to 0.01
        Map<Metric, Interval> ours = new StratifiedBootstrap(reps, 0.95, 0).intervals(x);
        List<Metric> order = List.of(Metric.IQM, Metric.MEAN, Metric.MEDIAN, Metric.OPTIMALITY_GAP);
        List<String> report = new ArrayList<>();
        for (int k = 0; k < order.size(); k++) {
            Interval i = ours.get(order.get(k));
            double lo = out.get("ci").get(k).get(0).asDouble(), hi = out.get("ci").get(k).get(1).asDouble();
            report.add(String.format("%s ours [%.4f, %.4f] rliable [%.4f, %.4f]", order.get(k), i.lower(), i.upper(), lo, hi));
            assertEquals(lo, i.lower(), 0.01, order.get(k) + " lower");
            assertEquals(hi, i.upper(), 0.01, order.get(k) + " upper");
        }
        Interval p = ProbabilityOfImprovement.interval(x, y, reps, 0.95, 0);
        double lo = out.get("poi_ci").get(0).asDouble(), hi = out.get("poi_ci").get(1).asDouble();
        report.add(String.format("PoI ours [%.4f, %.4f] rliable [%.4f, %.4f]", p.lower(), p.upper(), lo, hi));
        assertEquals(lo, p.lower(), 0.01, "PoI lower");
        assertEquals(hi, p.upper(), 0.01, "PoI upper");
        // profile band (rliable's create_performance_profile, 2,000 reps): fractions of 30 runs are multiples of 1/30;
        // the ends may differ by Monte Carlo error of about one such step
        Interval[] band = PerformanceProfile.band(x, taus, 2000, 0.95, 0);
        double worst = 0;
        for (int k = 0; k < taus.length; k++) {
            worst = Math.max(worst, Math.abs(band[k].lower() - out.get("profile_ci").get(0).get(k).asDouble()));
            worst = Math.max(worst, Math.abs(band[k].upper() - out.get("profile_ci").get(1).get(k).asDouble()));
        }
        report.add(String.format("profile band: largest difference of an end over %d taus %.4f", taus.length, worst));
        assertTrue(worst <= 0.07, "profile band differs from rliable's by " + worst);
        System.out.println("rliable cross-check (" + rliablePython + "):\n  " + String.join("\n  ", report));
    }
}
