package flowbench.tasks.arm;

/** A circular obstacle: centre (x, y) and radius r, in units of the arm's total reach (1). */
public record Disc(double x, double y, double r) {
    public Disc {
        if (!(r > 0) || !Double.isFinite(x) || !Double.isFinite(y)) {
            throw new IllegalArgumentException("obstacle disc needs finite centre and radius > 0, got (" + x + ", " + y + ", " + r + ")");
        }
    }

    /**
     * Signed clearance of the segment (ax, ay)-(bx, by) from this disc: distance from the centre to the closest point
     * of the segment minus the radius (negative = the segment enters the disc).
     */
    public double clearance(double ax, double ay, double bx, double by) {
        double dx = bx - ax, dy = by - ay;
        double len2 = dx * dx + dy * dy;
        double t = len2 == 0 ? 0 : ((x - ax) * dx + (y - ay) * dy) / len2;
        t = t < 0 ? 0 : (t > 1 ? 1 : t);
        double px = ax + t * dx - x, py = ay + t * dy - y;
        return Math.sqrt(px * px + py * py) - r;
    }
}
