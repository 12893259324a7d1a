package flowbench.harness.protocol;

import java.util.List;
import java.util.Optional;

/** Every policy of the learner evaluated at one training step, in the learner's policy order. */
public record Evaluation(long step, List<PolicyEvaluation> policies) {
    public Evaluation {
        policies = List.copyOf(policies);
    }

    public Optional<PolicyEvaluation> policy(String name) {
        return policies.stream().filter(p -> p.policy().equals(name)).findFirst();
    }
}
