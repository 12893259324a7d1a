package flowbench.baselines.common;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;

/**
 * One-field copies of algorithm config records (configs hold widths as {@code List<Integer>}, so the generated
 * {@code equals}/{@code hashCode}/{@code toString} already compare by value).
 *
 * <p>{@link #with} copies a config with some components replaced through its canonical constructor, so the record's own
 * checks run on the copy; a misspelt component name fails loudly instead of silently changing nothing.
 */
public final class ConfigRecords {
    private ConfigRecords() {}

    /**
     * A copy of {@code r} with the named components replaced, e.g. {@code with(cfg, "alpha", 3.0)} or
     * {@code with(cfg, "actorHidden", a, "criticHidden", c)}: alternating component names and values (boxed primitives
     * for primitive components).
     *
     * @throws IllegalArgumentException for an unknown component, a value of the wrong type, or whatever the record's
     *                                  constructor rejects (its own message)
     */
    public static <R extends Record> R with(R r, Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("with: expected component name / value pairs, got " + namesAndValues.length + " arguments");
        }
        RecordComponent[] rc = r.getClass().getRecordComponents();
        Object[] v = values(r);
        for (int p = 0; p < namesAndValues.length; p += 2) {
            String name = String.valueOf(namesAndValues[p]);
            int i = 0;
            while (i < rc.length && !rc[i].getName().equals(name)) i++;
            if (i == rc.length) {
                throw new IllegalArgumentException(typeName(r.getClass()) + " has no component '" + name + "'; components: "
                        + Arrays.stream(rc).map(RecordComponent::getName).toList());
            }
            Object value = namesAndValues[p + 1];
            // widths are List<Integer> components; callers may pass them as int[]
            if (value instanceof int[] ints && List.class.isAssignableFrom(rc[i].getType())) {
                value = Arrays.stream(ints).boxed().toList();
            }
            v[i] = value;
        }
        Class<?>[] types = Arrays.stream(rc).map(RecordComponent::getType).toArray(Class<?>[]::new);
        try {
            Constructor<?> ctor = r.getClass().getDeclaredConstructor(types);
            ctor.setAccessible(true);
            @SuppressWarnings("unchecked")
            R copy = (R) ctor.newInstance(v);
            return copy;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot copy " + typeName(r.getClass()) + ": " + e, e);
        }
    }

    private static Object[] values(Record r) {
        RecordComponent[] rc = r.getClass().getRecordComponents();
        Object[] v = new Object[rc.length];
        try {
            for (int i = 0; i < rc.length; i++) {
                var accessor = rc[i].getAccessor();
                accessor.setAccessible(true);
                v[i] = accessor.invoke(r);
            }
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + typeName(r.getClass()) + ": " + e, e);
        }
        return v;
    }

    private static String typeName(Class<?> c) {
        Class<?> outer = c.getEnclosingClass();
        return outer == null ? c.getSimpleName() : outer.getSimpleName() + "." + c.getSimpleName();
    }
}
