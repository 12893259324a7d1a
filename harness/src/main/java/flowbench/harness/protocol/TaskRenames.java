package flowbench.harness.protocol;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Task and dataset families renamed so far, as rules on names (so that programs without the task providers on their
 * class path, the leaderboard among them, can migrate what they stored). 2026-12-07: flowbench's Java PointMaze
 * {@code pointmaze-<maze>-<dataset>…} became {@code jpointmaze-…} and its Lights Out {@code puzzle-<size>-<dataset>…}
 * became {@code lightsout-…}, so that no flowbench result sits under an OGBench name ({@code ogbench:…} names, OGBench's
 * own environments, never match).
 */
public final class TaskRenames {
    private TaskRenames() {}

    private static final Pattern POINTMAZE = Pattern.compile("pointmaze-(medium|large|giant|teleport)-(navigate|stitch)(-.*)?-v0");
    private static final Pattern PUZZLE = Pattern.compile("puzzle-(3x3|4x4|4x5|4x6)-(play|noisy)(-.*)?-v0");

    /** The current name of a renamed task or dataset name, if a rule renames it. */
    public static Optional<String> of(String name) {
        if (name == null || name.contains(":")) return Optional.empty();
        Matcher m = POINTMAZE.matcher(name);
        if (m.matches()) return Optional.of("j" + name);
        m = PUZZLE.matcher(name);
        if (m.matches()) return Optional.of("lightsout" + name.substring("puzzle".length()));
        return Optional.empty();
    }
}
