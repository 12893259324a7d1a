package flowbench.harness.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * Which reference column a task follows (docs/domains.md). The values every algorithm shares per column come from the
 * QAM paper's reproduction script, which sets them for all its agents alike: action chunks of H = 5 on manipulation and
 * H = 1 on mazes, γ = 0.995 on giant and humanoid mazes (0.99 elsewhere), ρ = 0 on humanoid mazes (0.5 elsewhere).
 * The TD mask of the IQL-style learners (QGF, CFGRL, EDP) follows the task's reward kind: the dataset's own
 * 1 − success masks where the reward is success-based, the QGF repository's 1 − terminal where it is dense.
 */
public final class Domains {
    private Domains() {}

    /** The column of tasks no reference tuned anything for (the profile's values apply unchanged). */
    public static final String NONE = "none";

    public static final String QAM_SCRIPT = "ColinQiyangLi/qam@f93efd2 experiments/reproduce.py";
    public static final String HORIZON_SOURCE = QAM_SCRIPT + " lines 280-283 (horizon_length: 1 on ant/humanoid mazes, 5 on manipulation)";
    public static final String DISCOUNT_SOURCE = QAM_SCRIPT + " line 292 (agent.discount: 0.995 on giant and humanoid mazes, else 0.99)";
    public static final String RHO_SOURCE = QAM_SCRIPT + " line 297 (agent.rho: 0 on humanoid mazes, else 0.5)";
    public static final String MASK_DATASET = "flowbench (docs/qgf.md section 2.2): success-based reward, so the dataset's 1 - success"
            + " masks (the goal is absorbing); QGF's 1 - terminal quirk would make time-limit ends terminal";
    public static final String MASK_TERMINALS = "zhouzypaul/qgf@bc44a67 envs/ogbench_utils.py line 254 (masks = 1 - terminals, kept for dense"
            + " rewards as the QGF paper trained; docs/qgf.md section 2.2)";

    /** The domain of a task name (with or without the {@code ogbench:} prefix). */
    public static Domain of(String task) {
        String n = task.contains(":") ? task.substring(task.indexOf(':') + 1) : task;
        boolean sparseName = n.contains("-sparse-") || n.endsWith("-sparse");
        if (n.matches("(j?point|ant)maze-giant-.*")) {
            return maze("antmaze-giant-navigate", "giant maze (navigate and stitch follow the navigate column; the reference"
                    + " has no stitch column)", 0.995, 0.5);
        }
        if (n.matches("(j?point|ant)maze-.*")) {
            return maze("antmaze-large-navigate", "maze navigation (OGBench's pointmaze and flowbench's jpointmaze: medium, large and teleport; navigate and stitch) follows"
                    + " the closest maze column of the reference, antmaze-large-navigate", 0.99, 0.5);
        }
        if (n.matches("humanoidmaze-medium-.*")) {
            return maze("humanoidmaze-medium-navigate", "humanoid maze, medium", 0.995, 0.0);
        }
        if (n.matches("humanoidmaze-.*")) {
            return maze("humanoidmaze-large-navigate", "humanoid maze, large and giant", 0.995, 0.0);
        }
        if (n.matches("arm(obstacles)?-\\d+dof-reach.*")) {
            return maze("antmaze-large-navigate", "flowbench's arm reaching moves an end effector to a goal through free"
                    + " space or around obstacles, with a success reward and no objects to manipulate: a navigation problem,"
                    + " so it follows the maze column (H = 1) rather than a manipulation one", 0.99, 0.5);
        }
        if (n.matches("cube-(single|double)-.*")) {
            return manipulation("cube-double-play", "cube-single and cube-double follow cube-double-play (the reference"
                    + " has no cube-single column)", false, sparseName);
        }
        if (n.matches("cube-triple-.*")) return manipulation("cube-triple-play", "cube-triple", false, sparseName);
        if (n.matches("cube-quadruple-.*")) return manipulation("cube-quadruple-play", "cube-quadruple", false, sparseName);
        if (n.matches("scene-.*")) return manipulation("scene-play-sparse", "scene", true, sparseName);
        if (n.matches("(puzzle|lightsout)-3x3-.*")) {
            return manipulation("puzzle-3x3-play-sparse", "puzzle 3x3 (OGBench's, and flowbench's lightsout-3x3 with the same"
                    + " board and tasks)", true, sparseName);
        }
        if (n.matches("(puzzle|lightsout)-4x[4-6]-.*")) {
            return manipulation("puzzle-4x4-play-sparse", "puzzle 4x4 (and flowbench's lightsout 4x4, 4x5 and 4x6 boards,"
                    + " the nearest reference column)", true, sparseName);
        }
        return new Domain(NONE, "no reference column for this task family: the profile's values apply unchanged",
                false, true, List.of());
    }

    private static Domain maze(String column, String why, double discount, double rho) {
        List<DomainSetting> s = new ArrayList<>();
        s.add(new DomainSetting("horizon", "1", HORIZON_SOURCE));
        s.add(new DomainSetting("discount", plain(discount), DISCOUNT_SOURCE));
        s.add(new DomainSetting("rho", plain(rho), RHO_SOURCE));
        s.add(new DomainSetting("maskSource", "DATASET", MASK_DATASET));
        return new Domain(column, why, false, true, s);
    }

    private static Domain manipulation(String column, String why, boolean sparseColumn, boolean sparseTask) {
        List<DomainSetting> s = new ArrayList<>();
        s.add(new DomainSetting("horizon", "5", HORIZON_SOURCE));
        s.add(new DomainSetting("discount", "0.99", DISCOUNT_SOURCE));
        s.add(new DomainSetting("rho", "0.5", RHO_SOURCE));
        s.add(sparseTask ? new DomainSetting("maskSource", "DATASET", MASK_DATASET)
                : new DomainSetting("maskSource", "TERMINALS", MASK_TERMINALS));
        return new Domain(column, why, sparseColumn, sparseTask, s);
    }

    private static String plain(double x) {
        return java.math.BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
    }
}
