package flowbench.testkit;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints, when a module's tests end, every skipped or aborted test (assumption failed, disabled, excluded by a
 * condition) with its reason, grouped by reason: Maven's own summary only counts them, and a skip whose reason nobody
 * reads is how a missing tool goes unnoticed. Registered through META-INF/services, so every module whose tests have
 * this module on the class path prints it.
 */
public final class SkippedTestsSummary implements TestExecutionListener {
    private final Map<String, List<String>> byReason = new TreeMap<>();
    private TestPlan plan;

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        byReason.clear();
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        record(id, reason == null || reason.isBlank() ? "skipped (no reason given)" : reason);
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (result.getStatus() != TestExecutionResult.Status.ABORTED) return;
        String reason = result.getThrowable().map(Throwable::getMessage).orElse("aborted (no reason given)");
        record(id, reason.replaceFirst("^Assumption failed: ", ""));
    }

    private synchronized void record(TestIdentifier id, String reason) {
        byReason.computeIfAbsent(reason, r -> new ArrayList<>()).add(name(id));
    }

    private String name(TestIdentifier id) {
        List<String> parts = new ArrayList<>();
        for (TestIdentifier t = id; t != null; t = plan == null ? null : plan.getParent(t).orElse(null)) {
            if (plan != null && plan.getRoots().contains(t)) break;
            parts.add(0, t.getDisplayName().replaceFirst("\\(\\)$", ""));
        }
        return String.join(".", parts);
    }

    @Override
    public synchronized void testPlanExecutionFinished(TestPlan testPlan) {
        if (byReason.isEmpty()) return;
        int n = byReason.values().stream().mapToInt(List::size).sum();
        // stderr: surefire passes it to the console even when the tests' stdout goes elsewhere
        PrintStream out = System.err;
        StringBuilder b = new StringBuilder();
        b.append("\nSkipped tests (").append(n).append("), by reason:\n");
        byReason.forEach((reason, tests) -> {
            b.append("  ").append(reason).append('\n');
            for (String t : tests) b.append("      ").append(t).append('\n');
        });
        out.print(b);
        out.flush();
    }
}
