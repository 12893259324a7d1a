package flowbench.tasks.arm;

import java.util.List;

/**
 * A planar serial arm with N revolute joints, base at the origin, and the one-step dynamics of the arm tasks.
 *
 * <p><b>Geometry.</b> N equal links of length 1/N, so the total reach is 1 whatever N (targets, radii and obstacles
 * are comparable across N). Joint angles are relative: link k points at the absolute angle
 * {@code phi_k = q_0 + ... + q_k}, joint k+1 sits at {@code p_{k+1} = p_k + (cos phi_k, sin phi_k) / N}, p_0 = origin,
 * and the end-effector is p_N.
 *
 * <p><b>Joint limits.</b> Base joint q_0 in [-pi, pi] (a hard stop at the -x axis, no wrap-around: the arm reaches
 * every direction but cannot turn through pi), every other joint in [-3pi/4, 3pi/4]. With N = 2 the end-effector
 * therefore stays at least cos(3pi/8) = 0.383 from the base; from N = 3 on it can reach the base.
 *
 * <p><b>Step.</b> The action a in [-1, 1]^N (clipped; NaN rejected) is a joint-velocity command: the arm heads for
 * {@code q* = clip(q + s * a, limits)} with per-joint steps s = (0.05, 0.1 / N, ..., 0.1 / N) rad ({@link #BASE_STEP}). Without obstacles q becomes q*. With
 * obstacles the arm moves along the straight joint-space segment q -> q* and stops at the last collision-free
 * checkpoint: the segment is checked at m equally spaced points (m chosen so that no point of the arm moves more than
 * {@link #CHECK_SPACING} = 0.01 between two checkpoints, from the bound {@code |dp| <= sum_i |dq_i| * reach from joint
 * i}), and the new state is the checkpoint just before the first one at which some link segment comes closer than its
 * radius to a disc centre (the state stays put if the first checkpoint already collides). Consequences, relied on by
 * the tests: (1) every state is collision-free (a state is always a checked configuration, and the start is
 * collision-free); (2) between checkpoints a point moves at most 0.01, so the motion can graze a disc by at most
 * 0.005 and can never cross one (all discs have radius &gt;= 0.1); (3) motion is clamped, not deflected: a commanded
 * step into an obstacle moves the arm up to the contact and stops there. Link pairs whose clearance exceeds their
 * displacement bound are skipped, so steps far from obstacles cost one forward pass. There is no self-collision: links
 * may cross each other (the arm is planar; the joint limits keep it from folding onto itself at any single joint).
 *
 * <p>Instances are immutable and thread-safe; methods allocate only small per-call arrays.
 */
public final class ArmKinematics {
    /** Total length of the arm (sum of the N equal links). */
    public static final double REACH = 1.0;
    /** Base joint limit: q_0 in [-pi, pi]. */
    public static final double BASE_LIMIT = Math.PI;
    /** Limit of every joint but the base: q_i in [-3pi/4, 3pi/4]. */
    public static final double JOINT_LIMIT = 0.75 * Math.PI;
    /**
     * Joint change per unit action and step: the base joint turns {@code BASE_STEP} = 0.05 rad per unit action for
     * every N; every other joint {@code STEP_SCALE / N} rad (0.05 for N = 2, 0.0125 for N = 8, 0.003125 for N = 32).
     * Why: a bend spread over the arm changes the end-effector direction by the sum of its joints' changes, so 1/N keeps
     * bending as fast for every N, while a base turn is one joint whatever N. The end-effector's top speed is then
     * {@code 0.05 + (0.1 / N) (N - 1) / 2} = 0.075 (N = 2) .. 0.098 (N = 32) per step and a reach takes a comparable
     * number of steps for every N. (With 0.05 rad for every joint a 32-joint arm crosses the workspace in 3 to 5
     * steps, shorter than one action chunk.)
     */
    public static final double BASE_STEP = 0.05;
    /** See {@link #BASE_STEP}: non-base joints move {@code STEP_SCALE / N} rad per unit action and step. */
    public static final double STEP_SCALE = 0.1;
    /** Largest motion of any arm point between two collision checkpoints of a step. */
    public static final double CHECK_SPACING = 0.01;
    /** Control period: qvel = (q_t - q_{t-1}) / 0.1 s, i.e. at most 0.5 rad/s at the base, 1 / N rad/s elsewhere. */
    public static final double STEP_SECONDS = 0.1;
    /** Success radius: ||ee - goal|| <= 0.05 (5% of the reach). */
    public static final double SUCCESS_RADIUS = 0.05;

    private final int n;
    private final double link;
    private final Disc[] discs;
    private final double[] maxStep;

    public ArmKinematics(int joints, List<Disc> obstacles) {
        if (joints < 2) throw new IllegalArgumentException("an arm needs at least 2 joints, got " + joints);
        this.n = joints;
        this.link = REACH / joints;
        this.discs = obstacles.toArray(new Disc[0]);
        this.maxStep = new double[joints];
        for (int i = 0; i < joints; i++) maxStep[i] = i == 0 ? BASE_STEP : STEP_SCALE / joints;
    }

    /** Change of joint i per unit action and step: 0.05 rad for the base, 0.1 / N rad for the others. */
    public double maxJointStep(int joint) {
        return maxStep[joint];
    }

    public int joints() {
        return n;
    }

    public double linkLength() {
        return link;
    }

    public List<Disc> obstacles() {
        return List.of(discs);
    }

    public boolean hasObstacles() {
        return discs.length > 0;
    }

    public double lower(int joint) {
        return joint == 0 ? -BASE_LIMIT : -JOINT_LIMIT;
    }

    public double upper(int joint) {
        return joint == 0 ? BASE_LIMIT : JOINT_LIMIT;
    }

    /** Distance from joint i to the end-effector when the arm is straight: (N - i) / N. */
    public double reachFrom(int joint) {
        return (n - joint) * link;
    }

    /** Whether the success test {@code ||ee - goal|| <= 0.05} holds. */
    public static boolean reached(double eeX, double eeY, double goalX, double goalY) {
        double dx = eeX - goalX, dy = eeY - goalY;
        return dx * dx + dy * dy <= SUCCESS_RADIUS * SUCCESS_RADIUS;
    }

    /** Clamps joint {@code i}'s angle into its limits. */
    public double clampJoint(int i, double v) {
        double lo = lower(i), hi = upper(i);
        return v < lo ? lo : (v > hi ? hi : v);
    }

    public boolean withinLimits(double[] q, int off) {
        for (int i = 0; i < n; i++) {
            double v = q[off + i];
            if (!(v >= lower(i) && v <= upper(i))) return false;
        }
        return true;
    }

    /** Joint positions p_0 (origin) .. p_N (end-effector) into {@code xs[0..N]}, {@code ys[0..N]}. */
    public void jointPositions(double[] q, int off, double[] xs, double[] ys) {
        double phi = 0, x = 0, y = 0;
        xs[0] = 0;
        ys[0] = 0;
        for (int k = 0; k < n; k++) {
            phi += q[off + k];
            x += link * Math.cos(phi);
            y += link * Math.sin(phi);
            xs[k + 1] = x;
            ys[k + 1] = y;
        }
    }

    /** End-effector position (forward kinematics) into {@code out[0..1]}. */
    public void endEffector(double[] q, int off, double[] out) {
        double phi = 0, x = 0, y = 0;
        for (int k = 0; k < n; k++) {
            phi += q[off + k];
            x += link * Math.cos(phi);
            y += link * Math.sin(phi);
        }
        out[0] = x;
        out[1] = y;
    }

    /**
     * Jacobian of the end-effector, row-major 2 x N: {@code jac[i] = d ee_x / d q_i}, {@code jac[N + i] = d ee_y / d
     * q_i}. Turning joint i rotates everything beyond it about p_i, so column i is (-(ee_y - p_i,y), ee_x - p_i,x).
     */
    public void jacobian(double[] q, int off, double[] jac) {
        double[] xs = new double[n + 1], ys = new double[n + 1];
        jointPositions(q, off, xs, ys);
        for (int i = 0; i < n; i++) {
            jac[i] = -(ys[n] - ys[i]);
            jac[n + i] = xs[n] - xs[i];
        }
    }

    /** Smallest clearance of any link from any disc (negative = penetration); +infinity without obstacles. */
    public double clearance(double[] q, int off) {
        if (discs.length == 0) return Double.POSITIVE_INFINITY;
        double[] xs = new double[n + 1], ys = new double[n + 1];
        jointPositions(q, off, xs, ys);
        return clearance(xs, ys);
    }

    double clearance(double[] xs, double[] ys) {
        double best = Double.POSITIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            for (Disc d : discs) {
                double c = d.clearance(xs[k], ys[k], xs[k + 1], ys[k + 1]);
                if (c < best) best = c;
            }
        }
        return best;
    }

    public boolean collides(double[] q, int off) {
        return clearance(q, off) < 0;
    }

    /**
     * Upper bound on how far any point of the arm moves when the joints change by {@code dq} (along the straight
     * joint-space segment): {@code sum_i |dq_i| * (N - i) / N}.
     */
    public double displacementBound(double[] dq) {
        double b = 0;
        for (int i = 0; i < n; i++) b += Math.abs(dq[i]) * reachFrom(i);
        return b;
    }

    /**
     * One step of the arm (see the class comment): moves {@code q[off .. off+N)} in place under action
     * {@code a[aoff .. aoff+N)}.
     *
     * @param label names the episode in the error message for a NaN action
     * @return the fraction of the commanded (limit-clipped) motion carried out: 1 unless an obstacle stopped it
     */
    public double move(double[] q, int off, float[] a, int aoff, String label) {
        double[] delta = new double[n];
        double[] target = new double[n];
        for (int i = 0; i < n; i++) {
            float ai = a[aoff + i];
            if (Float.isNaN(ai)) throw new IllegalArgumentException(label + ": action component " + i + " is NaN");
            double c = ai < -1f ? -1.0 : (ai > 1f ? 1.0 : ai);
            target[i] = clampJoint(i, q[off + i] + maxStep[i] * c);
            delta[i] = target[i] - q[off + i];
        }
        if (discs.length == 0) {
            System.arraycopy(target, 0, q, off, n);
            return 1.0;
        }
        double[] xs = new double[n + 1], ys = new double[n + 1];
        jointPositions(q, off, xs, ys);
        // bound[k]: how far any point of link k (p_k .. p_{k+1}) can move over the whole step
        boolean[] active = new boolean[n * discs.length];
        boolean any = false;
        double worst = 0;
        double bound = 0;
        double sumAbs = 0;
        for (int k = 0; k < n; k++) {
            // points of link k are at most (k + 1 - i) links from joint i <= k
            sumAbs += Math.abs(delta[k]);
            bound += sumAbs * link;
            for (int d = 0; d < discs.length; d++) {
                if (discs[d].clearance(xs[k], ys[k], xs[k + 1], ys[k + 1]) <= bound) {
                    active[k * discs.length + d] = true;
                    any = true;
                    worst = Math.max(worst, bound);
                }
            }
        }
        if (!any) {
            System.arraycopy(target, 0, q, off, n);
            return 1.0;
        }
        int m = Math.max(1, (int) Math.ceil(worst / CHECK_SPACING));
        double[] qs = new double[n];
        for (int j = 1; j <= m; j++) {
            if (j == m) {
                System.arraycopy(target, 0, qs, 0, n);
            } else {
                double s = j / (double) m;
                for (int i = 0; i < n; i++) qs[i] = q[off + i] + s * delta[i];
            }
            jointPositions(qs, 0, xs, ys);
            for (int k = 0; k < n; k++) {
                for (int d = 0; d < discs.length; d++) {
                    if (active[k * discs.length + d] && discs[d].clearance(xs[k], ys[k], xs[k + 1], ys[k + 1]) < 0) {
                        // stop at the previous checkpoint (j - 1), exactly the configuration checked there
                        if (j > 1) {
                            double s = (j - 1) / (double) m;
                            for (int i = 0; i < n; i++) q[off + i] = q[off + i] + s * delta[i];
                        }
                        return (j - 1) / (double) m;
                    }
                }
            }
        }
        System.arraycopy(target, 0, q, off, n);
        return 1.0;
    }
}
