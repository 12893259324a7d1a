package flowbench.harness.protocol;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolTest {
    private static Protocol p(long steps, long every, boolean atStart, long ckpt, long log) {
        return new Protocol(steps, every, atStart, 5, ckpt, log, 0, "adhoc", 0);
    }

    @Test
    void evaluatesEveryNStepsAndAtTheEnd() {
        Protocol p = p(1000, 300, false, 0, 100);
        assertEquals(List.of(300L, 600L, 900L, 1000L), p.evalSteps());
        List<Long> flagged = LongStream.rangeClosed(0, 1000).filter(p::isEvalStep).boxed().toList();
        assertEquals(p.evalSteps(), flagged);
    }

    @Test
    void finalStepIsNotEvaluatedTwiceWhenItIsAMultiple() {
        assertEquals(List.of(250L, 500L, 750L, 1000L), p(1000, 250, false, 0, 100).evalSteps());
    }

    @Test
    void stepZeroOnlyWhenAskedAndOnlyEvalAtEndWhenEveryIsZero() {
        assertEquals(List.of(0L, 500L, 1000L), p(1000, 500, true, 0, 100).evalSteps());
        assertFalse(p(1000, 500, false, 0, 100).isEvalStep(0));
        assertEquals(List.of(1000L), p(1000, 0, false, 0, 100).evalSteps());
        assertEquals(List.of(0L), p(0, 0, true, 0, 100).evalSteps(), "zero steps: one evaluation of the untrained learner");
        assertTrue(p(0, 100, false, 0, 1).isEvalStep(0));
    }

    @Test
    void checkpointsAtIntervalAndAtEveryEvaluation() {
        Protocol p = p(1000, 300, true, 400, 100);
        List<Long> ck = LongStream.rangeClosed(0, 1000).filter(p::isCheckpointStep).boxed().toList();
        assertEquals(List.of(0L, 300L, 400L, 600L, 800L, 900L, 1000L), ck);
        Protocol onlyEvals = p(1000, 500, false, 0, 100);
        assertEquals(List.of(500L, 1000L), LongStream.rangeClosed(0, 1000).filter(onlyEvals::isCheckpointStep).boxed().toList());
    }

    @Test
    void logsEveryNAndTheFinalStep() {
        Protocol p = p(250, 0, false, 0, 100);
        assertEquals(List.of(100L, 200L, 250L), LongStream.rangeClosed(0, 250).filter(p::isLogStep).boxed().toList());
    }

    @Test
    void invalidFieldsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> p(-1, 0, false, 0, 1));
        assertTrue(e.getMessage().contains("trainSteps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p(10, 0, false, 0, 0));
        assertTrue(e.getMessage().contains("logEvery"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Protocol(10, 0, false, 0, 0, 1, 0, "adhoc", 0));
        assertTrue(e.getMessage().contains("episodesPerTask"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Protocol(10, 0, false, 1, 0, 1, 0, "a/b", 0));
        assertTrue(e.getMessage().contains("suiteName"), e.getMessage());
    }

    @Test
    void defaultsFollowOgbenchAndSuiteIsAdhocZero() {
        Protocol d = Protocol.defaults();
        assertEquals(1_000_000, d.trainSteps());
        assertEquals(100_000, d.evalEvery());
        assertEquals(50, d.episodesPerTask());
        assertEquals("adhoc/0", d.suite());
    }
}
