package dev.reason.model;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Python's string methods for chat templates, which transformers renders with jinja2 on Python strings: Qwen3's
 * template calls {@code content.startswith(...)}, {@code .split('</think>')[-1].lstrip('\n')} and the like. jinjava
 * calls Java methods instead, so {@code startswith} is missing and {@code split} is Java's (a regex, trailing empty
 * parts dropped). This resolver answers those calls on strings with Python's semantics and leaves every other call
 * to jinjava's own resolvers.
 */
final class PythonStringMethods extends ELResolver {
    static final Set<String> NAMES = Set.of("startswith", "endswith", "split", "rsplit", "strip", "lstrip", "rstrip",
            "lower", "upper", "title", "capitalize", "replace", "join", "find", "count");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null || !NAMES.contains(method.toString())) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, method.toString(), args);
        context.setPropertyResolved(true);
        return result;
    }

    /** {@code s.name(args)} as Python computes it; a wrong call is an ELException, as Python's TypeError would be. */
    static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "startswith" -> affixes(name, args).stream().anyMatch(s::startsWith);
            case "endswith" -> affixes(name, args).stream().anyMatch(s::endsWith);
            case "split" -> split(s, separator(name, args), maxSplit(name, args));
            case "rsplit" -> rsplit(s, separator(name, args), maxSplit(name, args));
            case "strip" -> stripRight(stripLeft(s, chars(name, args)), chars(name, args));
            case "lstrip" -> stripLeft(s, chars(name, args));
            case "rstrip" -> stripRight(s, chars(name, args));
            case "lower" -> noArgs(name, args, s.toLowerCase(Locale.ROOT));
            case "upper" -> noArgs(name, args, s.toUpperCase(Locale.ROOT));
            case "title" -> noArgs(name, args, title(s));
            case "capitalize" -> noArgs(name, args, s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT));
            case "replace" -> replace(s, args);
            case "join" -> join(s, args);
            case "find" -> s.indexOf(onlyString(name, args));
            case "count" -> count(s, onlyString(name, args));
            default -> throw new IllegalStateException("no Python method " + name);
        };
    }

    private static Object noArgs(String name, Object[] args, Object result) {
        arity(name, args, 0, 0);
        return result;
    }

    private static void arity(String name, Object[] args, int least, int most) {
        if (args.length < least || args.length > most) {
            throw new ELException("str." + name + "() takes " + (least == most ? "" + least : least + " to " + most)
                    + " arguments, got " + args.length);
        }
    }

    /** The one argument of a method that takes one string (find and count's start and end are not supported). */
    private static String onlyString(String name, Object[] args) {
        arity(name, args, 1, 1);
        return string(name, args, 0);
    }

    /** Argument i, which the caller's arity check guarantees, as a string. */
    private static String string(String name, Object[] args, int i) {
        if (!(args[i] instanceof String v)) {
            throw new ELException("str." + name + "() needs a string, got " + args[i]);
        }
        return v;
    }

    /** startswith / endswith take one string or a tuple of them. */
    private static List<String> affixes(String name, Object[] args) {
        arity(name, args, 1, 1);  // no start and end
        if (args[0] instanceof Collection<?> all) {
            List<String> out = new ArrayList<>();
            for (Object o : all) {
                out.add(String.valueOf(o));
            }
            return out;
        }
        return List.of(string(name, args, 0));
    }

    /** The separator of split / rsplit: null (runs of whitespace) when absent or None. */
    private static String separator(String name, Object[] args) {
        arity(name, args, 0, 2);
        if (args.length == 0 || args[0] == null) {
            return null;
        }
        String sep = string(name, args, 0);
        if (sep.isEmpty()) {
            throw new ELException("str." + name + "(): empty separator");
        }
        return sep;
    }

    private static int maxSplit(String name, Object[] args) {
        return args.length < 2 ? -1 : integer(name, args[1]);
    }

    private static int integer(String name, Object value) {
        if (!(value instanceof Number n)) {
            throw new ELException("str." + name + "() needs a number, got " + value);
        }
        return n.intValue();
    }

    private static String chars(String name, Object[] args) {
        arity(name, args, 0, 1);
        return args.length == 0 || args[0] == null ? null : string(name, args, 0);
    }

    /** Python's str.isspace for one character. */
    private static boolean space(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? space(c) : chars.indexOf(c) >= 0;
    }

    private static String stripLeft(String s, String chars) {
        int i = 0;
        while (i < s.length() && stripped(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    private static String stripRight(String s, String chars) {
        int j = s.length();
        while (j > 0 && stripped(s.charAt(j - 1), chars)) {
            j--;
        }
        return s.substring(0, j);
    }

    static List<String> split(String s, String sep, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {  // runs of whitespace; none at either end; the rest after maxsplit keeps its tail
            int i = 0;
            while (true) {
                while (i < s.length() && space(s.charAt(i))) {
                    i++;
                }
                if (i == s.length()) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(s.substring(i));
                    return parts;
                }
                int j = i;
                while (j < s.length() && !space(s.charAt(j))) {
                    j++;
                }
                parts.add(s.substring(i, j));
                i = j;
            }
        }
        int from = 0;
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    static List<String> rsplit(String s, String sep, int maxSplit) {
        if (maxSplit < 0) {
            return split(s, sep, maxSplit);
        }
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && space(s.charAt(j - 1))) {
                    j--;
                }
                if (j == 0) {
                    break;
                }
                if (parts.size() == maxSplit) {
                    parts.add(s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !space(s.charAt(i - 1))) {
                    i--;
                }
                parts.add(s.substring(i, j));
                j = i;
            }
        } else {
            int end = s.length();
            int at;
            while (parts.size() < maxSplit && (at = s.lastIndexOf(sep, end - sep.length())) >= 0) {
                parts.add(s.substring(at + sep.length(), end));
                end = at;
            }
            parts.add(s.substring(0, end));
        }
        Collections.reverse(parts);
        return parts;
    }

    /** Python's title(): a letter after a non-letter is uppercased, after a letter lowercased. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean afterLetter = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(afterLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
            afterLetter = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String replace(String s, Object[] args) {
        arity("replace", args, 2, 3);
        String old = string("replace", args, 0);
        String with = string("replace", args, 1);
        int limit = args.length == 3 ? integer("replace", args[2]) : -1;
        if (limit < 0 || old.isEmpty()) {
            return s.replace(old, with);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        int at;
        for (int n = 0; n < limit && (at = s.indexOf(old, from)) >= 0; n++) {
            out.append(s, from, at).append(with);
            from = at + old.length();
        }
        return out.append(s.substring(from)).toString();
    }

    private static String join(String s, Object[] args) {
        arity("join", args, 1, 1);
        Iterator<?> items;
        if (args[0] instanceof Iterable<?> it) {
            items = it.iterator();
        } else {
            throw new ELException("str.join() needs a list of strings, got " + args[0]);
        }
        StringBuilder out = new StringBuilder();
        while (items.hasNext()) {
            out.append(items.next());
            if (items.hasNext()) {
                out.append(s);
            }
        }
        return out.toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    // Not a property resolver: jinjava's own resolvers answer these.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
