package flowbench.tasks.arm;

import java.util.ArrayList;
import java.util.List;

/**
 * One arm variant: a family ({@code arm} = free space, {@code armobstacles} = three disc obstacles), a number of
 * joints N in {2, 8, 16, 32}, and its five evaluation tasks.
 *
 * <p>Obstacles ({@code armobstacles}): three discs of radius 0.1 centred 0.7 from the base at 0, 120 and -120 degrees.
 * At 0.7 they lie beyond the first link of the 2-joint arm (0.5 + 0.1 + margin), so every N can still turn its base
 * everywhere, but the outer part of the arm has to pull in (or curl) to pass one, and the space behind a disc is
 * reached only by bending around it.
 *
 * <p>An evaluation task is a start shape and an end-effector target. Start shapes are given as a base angle and two
 * total bends (b1, b2) spread over the two halves of the arm ({@link ShapeFamily}); the 2-joint arm puts b1 + b2 on its
 * elbow. Targets are the same points for every N, all at 0.45 .. 0.9 from the base (inside the 2-joint arm's annulus
 * 0.383 .. 1), and each is reachable collision-free (checked by the oracle tests). Obstacle tasks are chosen so that
 * the direct reach is blocked: the sweep from start to target crosses a disc, or the target sits behind one (an
 * obstacle-blind damped-least-squares reach solves none of them for any N, {@code ArmOracleTest}).
 */
public final class ArmLayout {
    /** The supported numbers of joints. */
    public static final List<Integer> JOINTS = List.of(2, 8, 16, 32);
    public static final String FREE = "arm";
    public static final String OBSTACLES = "armobstacles";

    /** Radius and distance from the base of the obstacle discs. */
    public static final double OBSTACLE_RADIUS = 0.1;
    public static final double OBSTACLE_DISTANCE = 0.7;

    /**
     * An evaluation task (1-based id): start shape (base angle, bend of the inner and outer half, radians) and
     * end-effector target.
     */
    public record EvalTask(int id, double alpha, double bend1, double bend2, double targetX, double targetY) {}

    private static final double DEG = Math.PI / 180;

    private static EvalTask task(int id, double alphaDeg, double bend1Deg, double bend2Deg, double r, double thetaDeg) {
        return new EvalTask(id, alphaDeg * DEG, bend1Deg * DEG, bend2Deg * DEG,
                r * Math.cos(thetaDeg * DEG), r * Math.sin(thetaDeg * DEG));
    }

    private static final List<EvalTask> FREE_TASKS = List.of(
            task(1, 0, 0, 0, 0.75, 90),          // straight arm swings a quarter turn
            task(2, 90, 45, 45, 0.7, -150),      // curled, to the far side below
            task(3, -150, 20, 20, 0.65, 165),    // across the base stop at +-180 deg: N = 2 turns the long way round
            task(4, 45, 90, 90, 0.9, -15),       // curled up, stretch out far
            task(5, 180, 0, 0, 0.5, 40));        // straight backwards, to a near target

    private static final List<EvalTask> OBSTACLE_TASKS = List.of(
            task(1, -40, 0, 0, 0.85, 25),        // sweep past the disc at 0 deg
            task(2, 60, 30, 30, 0.9, 135),       // behind the disc at 120 deg
            task(3, -60, 0, 0, 0.9, -135),       // beyond the disc at -120 deg, from its right
            task(4, 100, 0, 0, 0.85, 150),       // sweep past the disc at 120 deg
            task(5, -170, 40, 40, 0.8, 15));     // from behind the base (base stop) to beside the disc at 0 deg

    private static final List<ArmLayout> ALL = new ArrayList<>();

    static {
        for (String family : List.of(FREE, OBSTACLES)) {
            for (int n : JOINTS) ALL.add(new ArmLayout(family, n));
        }
    }

    private final String family;
    private final int joints;
    private final ArmKinematics kin;
    private final List<EvalTask> tasks;
    private volatile ArmPlanner planner;

    private ArmLayout(String family, int joints) {
        this.family = family;
        this.joints = joints;
        List<Disc> discs = new ArrayList<>();
        if (family.equals(OBSTACLES)) {
            for (double deg : new double[] {0, 120, -120}) {
                discs.add(new Disc(OBSTACLE_DISTANCE * Math.cos(deg * DEG), OBSTACLE_DISTANCE * Math.sin(deg * DEG),
                        OBSTACLE_RADIUS));
            }
        }
        this.kin = new ArmKinematics(joints, discs);
        this.tasks = family.equals(OBSTACLES) ? OBSTACLE_TASKS : FREE_TASKS;
    }

    /** Every variant: arm then armobstacles, N ascending. */
    public static List<ArmLayout> all() {
        return List.copyOf(ALL);
    }

    /** The variant of a family ("arm" or "armobstacles") and joint count. */
    public static ArmLayout of(String family, int joints) {
        for (ArmLayout l : ALL) {
            if (l.family.equals(family) && l.joints == joints) return l;
        }
        throw new IllegalArgumentException("unknown arm variant '" + family + "' with " + joints + " joints: expected family "
                + FREE + " or " + OBSTACLES + " and joints in " + JOINTS);
    }

    /** "arm" or "armobstacles". */
    public String family() {
        return family;
    }

    public int joints() {
        return joints;
    }

    /** e.g. {@code arm-8dof}. */
    public String name() {
        return family + "-" + joints + "dof";
    }

    public ArmKinematics kinematics() {
        return kin;
    }

    public boolean hasObstacles() {
        return kin.hasObstacles();
    }

    public List<EvalTask> evaluationTasks() {
        return tasks;
    }

    public EvalTask task(int id) {
        if (id < 1 || id > tasks.size()) {
            throw new IllegalArgumentException(name() + ": evaluation task id must be 1.." + tasks.size() + ", got " + id);
        }
        return tasks.get(id - 1);
    }

    /** The start joint angles of a task, before jitter. */
    public double[] startConfiguration(int taskId) {
        EvalTask t = task(taskId);
        double[] q = new double[joints];
        if (joints == 2) {
            q[0] = kin.clampJoint(0, t.alpha());
            q[1] = kin.clampJoint(1, t.bend1() + t.bend2());
            return q;
        }
        ShapeFamily f = new ShapeFamily(joints);
        double[] p = {f.clamp(0, t.alpha()), f.clamp(1, t.bend1()), f.clamp(2, t.bend2())};
        f.config(p, q);
        return q;
    }

    /** The planning grid of the scripted controllers, built on first use. */
    ArmPlanner planner() {
        ArmPlanner p = planner;
        if (p == null) {
            synchronized (this) {
                p = planner;
                if (p == null) planner = p = new ArmPlanner(kin);
            }
        }
        return p;
    }

    @Override
    public String toString() {
        return name();
    }
}
