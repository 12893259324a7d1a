package flowbench.testkit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequirementTest {
    @Test
    void listedRequirementsAreRequired() {
        assertTrue(Requirement.OGBENCH.required("numpy, ogbench"));
        assertTrue(Requirement.CHROMIUM.required("all"));
        assertFalse(Requirement.CHROMIUM.required("ogbench,numpy"));
        assertFalse(Requirement.NUMPY.required(null));
        assertFalse(Requirement.NUMPY.required(" "));
    }

    @Test
    void misspelledRequirementIsAnErrorNotASilentSkip() {
        String m = assertThrows(IllegalArgumentException.class, () -> Requirement.NUMPY.required("ogbnch")).getMessage();
        assertTrue(m.contains("unknown requirement 'ogbnch'") && m.contains("ogbench"), m);
    }
}
