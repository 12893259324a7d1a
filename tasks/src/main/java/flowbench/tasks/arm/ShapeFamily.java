package flowbench.tasks.arm;

/**
 * A low-dimensional family of arm shapes used by the scripted controllers (oracle and dataset generator) to plan:
 * the base angle alpha plus the total bend of one or two groups of joints, spread evenly over the group.
 *
 * <ul>
 *   <li>N = 2: parameters (alpha, beta1) = (q_0, q_1) exactly (the family is the whole configuration space);</li>
 *   <li>N &gt;= 3: parameters (alpha, beta1, beta2); joints 1 .. g1 each get beta1 / g1 and joints g1 + 1 .. N - 1
 *       each get beta2 / g2, with g1 = floor((N - 1) / 2), g2 = N - 1 - g1. Each half of the arm is a circular
 *       arc, so two arcs of free curvature give one redundant degree of freedom to bend around obstacles.</li>
 * </ul>
 * Box of the parameters: alpha in [-pi, pi]; beta_j in [-min(pi, g_j 3pi/4), +min(pi, g_j 3pi/4)], which keeps every
 * joint within its limit. The map p -> q is linear, and its left inverse {@link #project} (q_0 and the group sums)
 * keeps the group sums of any configuration, so a straight joint-space move towards a family member is a straight
 * line in parameter space too.
 */
final class ShapeFamily {
    private final int n;
    private final int dims;
    private final int g1;
    private final int g2;
    private final double[] lo;
    private final double[] hi;

    ShapeFamily(int joints) {
        this.n = joints;
        if (joints == 2) {
            dims = 2;
            g1 = 1;
            g2 = 0;
        } else {
            dims = 3;
            g1 = (joints - 1) / 2;
            g2 = joints - 1 - g1;
        }
        lo = new double[dims];
        hi = new double[dims];
        lo[0] = -ArmKinematics.BASE_LIMIT;
        hi[0] = ArmKinematics.BASE_LIMIT;
        for (int j = 1; j < dims; j++) {
            int g = j == 1 ? g1 : g2;
            hi[j] = Math.min(Math.PI, g * ArmKinematics.JOINT_LIMIT);
            lo[j] = -hi[j];
        }
    }

    int dims() {
        return dims;
    }

    double lo(int j) {
        return lo[j];
    }

    double hi(int j) {
        return hi[j];
    }

    /** Size of the joint group that parameter j (1 or 2) bends; 1 for alpha. */
    int groupSize(int j) {
        return j == 0 ? 1 : (j == 1 ? g1 : g2);
    }

    /** Fastest change of parameter j per step: g_j times its joints' step (base 0.05, others 0.1 / N). */
    double speed(ArmKinematics kin, int j) {
        return groupSize(j) * kin.maxJointStep(j == 0 ? 0 : 1);
    }

    /** Parameter that joint i belongs to: 0 (base), 1 or 2. */
    int groupOf(int joint) {
        if (joint == 0) return 0;
        return joint <= g1 ? 1 : 2;
    }

    /** q = F(p). */
    void config(double[] p, double[] q) {
        q[0] = p[0];
        for (int i = 1; i < n; i++) {
            int j = groupOf(i);
            q[i] = p[j] / groupSize(j);
        }
    }

    /** p = (q_0, sum of group 1, sum of group 2), clamped into the box. */
    void project(double[] q, int off, double[] p) {
        for (int j = 0; j < dims; j++) p[j] = 0;
        for (int i = 0; i < n; i++) p[groupOf(i)] += q[off + i];
        for (int j = 0; j < dims; j++) p[j] = clamp(j, p[j]);
    }

    double clamp(int j, double v) {
        return v < lo[j] ? lo[j] : (v > hi[j] ? hi[j] : v);
    }

    /**
     * Jacobian of the end-effector with respect to the parameters at F(p), row-major 2 x dims: the column of beta_j
     * is the mean of the joint Jacobian columns of its group (each joint turns by d beta_j / g_j).
     */
    void jacobian(ArmKinematics kin, double[] q, double[] jf) {
        double[] jac = new double[2 * n];
        kin.jacobian(q, 0, jac);
        for (int k = 0; k < 2 * dims; k++) jf[k] = 0;
        for (int i = 0; i < n; i++) {
            int j = groupOf(i);
            double w = 1.0 / groupSize(j);
            jf[j] += w * jac[i];
            jf[dims + j] += w * jac[n + i];
        }
    }
}
