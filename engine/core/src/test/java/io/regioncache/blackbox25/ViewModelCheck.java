package io.regioncache.blackbox25;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;

import io.regioncache.Bytes;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random operations on a view and on a {@link TreeMap} model side by side, nested sub/head/tail/descending views
 * included; every answer (or exception class) must be the same. Failure messages carry the seed and the last
 * operations.
 *
 * @param <K> {@code byte[]} or {@link Bytes}.
 */
final class ViewModelCheck<K>
{
    private final Random rnd;
    private final String label;
    private final List<byte[]> probes;
    private final Function<byte[], K> mk;
    private final boolean contentEquality;
    private final Deque<String> trail = new ArrayDeque<>();
    private int opsDone;

    ViewModelCheck(final Random rnd, final String label, final List<byte[]> probes, final Function<byte[], K> mk,
        final boolean contentEquality)
    {
        this.rnd = rnd;
        this.label = label;
        this.probes = probes;
        this.mk = mk;
        this.contentEquality = contentEquality;
    }

    static ViewModelCheck<byte[]> arrays(final Random rnd, final String label, final List<byte[]> probes)
    {
        return new ViewModelCheck<>(rnd, label, probes, byte[]::clone, false);
    }

    static ViewModelCheck<Bytes> bytes(final Random rnd, final String label, final List<byte[]> probes)
    {
        return new ViewModelCheck<>(rnd, label, probes, Bytes::of, true);
    }

    /** The model of a byte[] view. */
    static NavigableMap<byte[], byte[]> arrayModel(final Map<byte[], byte[]> visible)
    {
        final TreeMap<byte[], byte[]> m = Kit.arrayMap();
        m.putAll(visible);
        return m;
    }

    /** The model of a Bytes view. */
    static NavigableMap<Bytes, Bytes> bytesModel(final Map<byte[], byte[]> visible)
    {
        final TreeMap<Bytes, Bytes> m = new TreeMap<>();
        visible.forEach((k, v) -> m.put(Bytes.of(k), Bytes.of(v)));
        return m;
    }

    int opsDone()
    {
        return opsDone;
    }

    /** {@code ops} random operations on the pair, descending into derived views up to {@code depth} levels. */
    void run(final NavigableMap<K, K> view, final NavigableMap<K, K> model, final int ops, final int depth)
    {
        trail.clear();
        walk(view, model, ops, depth, "root");
    }

    private void walk(final NavigableMap<K, K> view, final NavigableMap<K, K> model, final int ops, final int depth,
        final String path)
    {
        for (int i = 0; i < ops; i++)
        {
            final int op = rnd.nextInt(depth > 0 ? 30 : 26);
            if (op >= 26)
            {
                derive(view, model, ops / 4, depth, path);
                continue;
            }
            one(view, model, op, path);
        }
    }

    private K probe()
    {
        return mk.apply(probes.get(rnd.nextInt(probes.size())));
    }

    private void derive(final NavigableMap<K, K> view, final NavigableMap<K, K> model, final int ops, final int depth,
        final String path)
    {
        final int kind = rnd.nextInt(8);
        final K a = probe();
        final K b = probe();
        final boolean ai = rnd.nextBoolean();
        final boolean bi = rnd.nextBoolean();
        final String what;
        final Object[] vm;
        switch (kind)
        {
            case 0:
                what = "subMap(" + show(a) + "," + ai + "," + show(b) + "," + bi + ")";
                vm = pair(() -> view.subMap(a, ai, b, bi), () -> model.subMap(a, ai, b, bi));
                break;
            case 1:
                what = "headMap(" + show(b) + "," + bi + ")";
                vm = pair(() -> view.headMap(b, bi), () -> model.headMap(b, bi));
                break;
            case 2:
                what = "tailMap(" + show(a) + "," + ai + ")";
                vm = pair(() -> view.tailMap(a, ai), () -> model.tailMap(a, ai));
                break;
            case 3:
            case 4:
                what = "descendingMap()";
                vm = pair(view::descendingMap, model::descendingMap);
                break;
            case 5:
                what = "subMap(" + show(a) + "," + show(b) + ")";
                vm = pair(() -> (NavigableMap<K, K>)view.subMap(a, b), () -> (NavigableMap<K, K>)model.subMap(a, b));
                break;
            case 6:
                what = "headMap(" + show(b) + ")";
                vm = pair(() -> (NavigableMap<K, K>)view.headMap(b), () -> (NavigableMap<K, K>)model.headMap(b));
                break;
            default:
                what = "tailMap(" + show(a) + ")";
                vm = pair(() -> (NavigableMap<K, K>)view.tailMap(a), () -> (NavigableMap<K, K>)model.tailMap(a));
                break;
        }
        final String next = path + "." + what;
        note(next);
        if (vm[0] instanceof Throwable || vm[1] instanceof Throwable)
        {
            check(next, describe(vm[1]), describe(vm[0]));
            return;
        }
        @SuppressWarnings("unchecked") final NavigableMap<K, K> v = (NavigableMap<K, K>)vm[0];
        @SuppressWarnings("unchecked") final NavigableMap<K, K> m = (NavigableMap<K, K>)vm[1];
        walk(v, m, Math.max(4, ops), depth - 1, next);
    }

    private Object[] pair(final Callable<NavigableMap<K, K>> v, final Callable<NavigableMap<K, K>> m)
    {
        return new Object[] {attempt(v), attempt(m)};
    }

    private static Object attempt(final Callable<?> c)
    {
        try
        {
            return c.call();
        }
        catch (final Throwable t)
        {
            return t;
        }
    }

    private static String describe(final Object o)
    {
        return o instanceof Throwable ? "throws " + o.getClass().getSimpleName() : "a map";
    }

    private void one(final NavigableMap<K, K> view, final NavigableMap<K, K> model, final int op, final String path)
    {
        final K key = probe();
        final String ks = show(key);
        switch (op)
        {
            case 0 -> same(path, "get(" + ks + ")", () -> show(view.get(key)), () -> show(model.get(key)));
            case 1 -> same(path, "containsKey(" + ks + ")", () -> view.containsKey(key), () -> model.containsKey(key));
            case 2 -> same(path, "ceilingKey(" + ks + ")", () -> show(view.ceilingKey(key)),
                () -> show(model.ceilingKey(key)));
            case 3 -> same(path, "floorKey(" + ks + ")", () -> show(view.floorKey(key)),
                () -> show(model.floorKey(key)));
            case 4 -> same(path, "higherKey(" + ks + ")", () -> show(view.higherKey(key)),
                () -> show(model.higherKey(key)));
            case 5 -> same(path, "lowerKey(" + ks + ")", () -> show(view.lowerKey(key)),
                () -> show(model.lowerKey(key)));
            case 6 -> same(path, "ceilingEntry(" + ks + ")", () -> show(view.ceilingEntry(key)),
                () -> show(model.ceilingEntry(key)));
            case 7 -> same(path, "floorEntry(" + ks + ")", () -> show(view.floorEntry(key)),
                () -> show(model.floorEntry(key)));
            case 8 -> same(path, "higherEntry(" + ks + ")", () -> show(view.higherEntry(key)),
                () -> show(model.higherEntry(key)));
            case 9 -> same(path, "lowerEntry(" + ks + ")", () -> show(view.lowerEntry(key)),
                () -> show(model.lowerEntry(key)));
            case 10 ->
            {
                same(path, "firstKey()", () -> show(view.firstKey()), () -> show(model.firstKey()));
                same(path, "lastKey()", () -> show(view.lastKey()), () -> show(model.lastKey()));
            }
            case 11 ->
            {
                same(path, "firstEntry()", () -> show(view.firstEntry()), () -> show(model.firstEntry()));
                same(path, "lastEntry()", () -> show(view.lastEntry()), () -> show(model.lastEntry()));
            }
            case 12 ->
            {
                same(path, "size()", view::size, model::size);
                same(path, "isEmpty()", view::isEmpty, model::isEmpty);
            }
            case 13 -> same(path, "entrySet()", () -> all(view.entrySet()), () -> all(model.entrySet()));
            case 14 -> same(path, "keySet()", () -> all(view.keySet()), () -> all(model.keySet()));
            case 15 -> same(path, "values()", () -> all(view.values()), () -> all(model.values()));
            case 16 -> same(path, "descendingKeySet()", () -> all(view.descendingKeySet()),
                () -> all(model.descendingKeySet()));
            case 17 -> same(path, "navigableKeySet().descendingIterator()",
                () -> all(view.navigableKeySet().descendingIterator()),
                () -> all(model.navigableKeySet().descendingIterator()));
            case 18 ->
            {
                final int n = rnd.nextInt(4);
                same(path, "first " + n + " entries", () -> firstN(view.entrySet().iterator(), n),
                    () -> firstN(model.entrySet().iterator(), n));
            }
            case 19 ->
            {
                final NavigableSet<K> vs = view.navigableKeySet();
                final NavigableSet<K> ms = model.navigableKeySet();
                switch (rnd.nextInt(6))
                {
                    case 0 -> same(path, "keys.ceiling(" + ks + ")", () -> show(vs.ceiling(key)),
                        () -> show(ms.ceiling(key)));
                    case 1 -> same(path, "keys.floor(" + ks + ")", () -> show(vs.floor(key)),
                        () -> show(ms.floor(key)));
                    case 2 -> same(path, "keys.higher(" + ks + ")", () -> show(vs.higher(key)),
                        () -> show(ms.higher(key)));
                    case 3 -> same(path, "keys.lower(" + ks + ")", () -> show(vs.lower(key)),
                        () -> show(ms.lower(key)));
                    case 4 -> same(path, "keys.first/last", () -> show(vs.first()) + "/" + show(vs.last()),
                        () -> show(ms.first()) + "/" + show(ms.last()));
                    default -> same(path, "keys.contains(" + ks + ")", () -> vs.contains(key),
                        () -> ms.contains(key));
                }
            }
            case 20 ->
            {
                final K other = probe();
                final boolean ai = rnd.nextBoolean();
                final boolean bi = rnd.nextBoolean();
                final String what = "keys.subSet(" + ks + "," + ai + "," + show(other) + "," + bi + ")";
                same(path, what, () -> all(view.navigableKeySet().subSet(key, ai, other, bi)),
                    () -> all(model.navigableKeySet().subSet(key, ai, other, bi)));
            }
            case 21 ->
            {
                final boolean in = rnd.nextBoolean();
                same(path, "keys.headSet(" + ks + "," + in + ").descendingSet()",
                    () -> all(view.navigableKeySet().headSet(key, in).descendingSet()),
                    () -> all(model.navigableKeySet().headSet(key, in).descendingSet()));
            }
            case 22 ->
            {
                final boolean in = rnd.nextBoolean();
                same(path, "keys.tailSet(" + ks + "," + in + ")",
                    () -> all(view.navigableKeySet().tailSet(key, in)),
                    () -> all(model.navigableKeySet().tailSet(key, in)));
            }
            case 23 ->
            {
                final K other = probe();
                same(path, "comparator(" + ks + "," + show(other) + ")",
                    () -> Integer.signum(compare(view.comparator(), key, other)),
                    () -> Integer.signum(compare(model.comparator(), key, other)));
            }
            case 24 ->
            {
                if (contentEquality)
                {
                    same(path, "equals/hashCode", () -> view.equals(model) + "/" + model.equals(view) + "/" +
                        (view.hashCode() == model.hashCode()) + "/" + view.keySet().equals(model.keySet()) + "/" +
                        view.entrySet().equals(model.entrySet()) + "/" + view.toString(), () -> "true/true/true/" +
                        "true/true/" + model.toString());
                }
                else
                {
                    same(path, "toString keys", () -> view.keySet().size(), () -> model.keySet().size());
                }
            }
            default ->
            {
                if (contentEquality)
                {
                    final Map.Entry<K, K> e = model.isEmpty() || rnd.nextInt(3) == 0 ?
                        new java.util.AbstractMap.SimpleEntry<>(key, key) :
                        nth(model, rnd.nextInt(model.size()));
                    final K value = e.getValue();
                    same(path, "entrySet().contains(" + show(e) + ")/containsValue", () ->
                        view.entrySet().contains(e) + "/" + view.containsValue(value), () ->
                        model.entrySet().contains(e) + "/" + model.containsValue(value));
                }
                else
                {
                    same(path, "get(" + ks + ") again", () -> show(view.get(key)), () -> show(model.get(key)));
                }
            }
        }
    }

    private static <K> Map.Entry<K, K> nth(final NavigableMap<K, K> m, final int n)
    {
        final Iterator<Map.Entry<K, K>> it = m.entrySet().iterator();
        for (int i = 0; i < n; i++)
        {
            it.next();
        }
        return it.next();
    }

    @SuppressWarnings("unchecked")
    private static <K> int compare(final Comparator<? super K> c, final K a, final K b)
    {
        return c == null ? ((Comparable<K>)a).compareTo(b) : c.compare(a, b);
    }

    private List<String> all(final Collection<?> c)
    {
        return all(c.iterator());
    }

    private List<String> all(final Iterator<?> it)
    {
        final List<String> out = new ArrayList<>();
        while (it.hasNext())
        {
            out.add(show(it.next()));
        }
        return out;
    }

    private List<String> firstN(final Iterator<?> it, final int n)
    {
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < n && it.hasNext(); i++)
        {
            out.add(show(it.next()));
        }
        out.add("hasNext=" + it.hasNext());
        return out;
    }

    private void same(final String path, final String what, final Callable<?> view, final Callable<?> model)
    {
        opsDone++;
        note(path + "." + what);
        final Object m = result(model);
        final Object v = result(view);
        check(path + "." + what, m, v);
    }

    private static Object result(final Callable<?> c)
    {
        final Object o = attempt(c);
        return o instanceof Throwable ? "throws " + o.getClass().getSimpleName() : o;
    }

    private void check(final String what, final Object expected, final Object actual)
    {
        if (!java.util.Objects.equals(expected, actual))
        {
            assertEquals(expected, actual, () -> label + ": " + what + " differs from the TreeMap model; last ops:\n  " +
                String.join("\n  ", trail));
        }
    }

    private void note(final String s)
    {
        trail.addLast(s);
        if (trail.size() > 25)
        {
            trail.removeFirst();
        }
    }

    static String show(final Object o)
    {
        if (o == null)
        {
            return "null";
        }
        if (o instanceof byte[])
        {
            return Kit.hex((byte[])o);
        }
        if (o instanceof Bytes)
        {
            return o.toString();
        }
        if (o instanceof Map.Entry)
        {
            final Map.Entry<?, ?> e = (Map.Entry<?, ?>)o;
            return show(e.getKey()) + "=" + show(e.getValue());
        }
        return String.valueOf(o);
    }
}
