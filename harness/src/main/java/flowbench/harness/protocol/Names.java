package flowbench.harness.protocol;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Error messages for unknown names: the closest known names first, then (for short lists) all of them. */
final class Names {
    private Names() {}

    static IllegalArgumentException unknown(String kind, String name, Collection<String> known, String listCommand) {
        StringBuilder sb = new StringBuilder("unknown ").append(kind).append(" '").append(name).append("'");
        List<String> close = closest(name, known, 5);
        if (known.isEmpty()) {
            sb.append("; no ").append(kind).append(" is registered (is the module that provides it on the class path?)");
        } else {
            sb.append(close.isEmpty() ? "." : "; did you mean " + String.join(", ", close) + "?");
            if (known.size() <= 12) {
                sb.append(" Known: ").append(String.join(", ", known.stream().sorted().toList())).append(".");
            } else {
                sb.append(" ").append(known.size()).append(" are known");
                if (listCommand != null) sb.append("; list them with '").append(listCommand).append("'");
                sb.append(".");
            }
        }
        return new IllegalArgumentException(sb.toString());
    }

    /** Known names within a small edit distance of {@code name}, or containing it, nearest first. */
    static List<String> closest(String name, Collection<String> known, int limit) {
        String q = name.toLowerCase(Locale.ROOT);
        record Scored(String name, int score) {}
        List<Scored> scored = new ArrayList<>();
        for (String k : known) {
            String c = k.toLowerCase(Locale.ROOT);
            int d = levenshtein(q, c);
            int allowed = Math.max(2, Math.min(q.length(), c.length()) / 3);
            if (d <= allowed) {
                scored.add(new Scored(k, d));
            } else if (q.length() >= 2 && c.length() >= 2 && (c.contains(q) || q.contains(c))) {
                scored.add(new Scored(k, allowed + 1 + Math.abs(c.length() - q.length())));
            }
        }
        scored.sort(Comparator.comparingInt(Scored::score).thenComparing(Scored::name));
        return scored.stream().limit(limit).map(Scored::name).toList();
    }

    static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
