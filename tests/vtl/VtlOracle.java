/* VtlOracle: renders mapping templates with Apache Velocity 1.7 (Debian's
 * `velocity` package), the reference service's own engine, so that Portico's
 * C engine (common/vtl_*) can be compared with it byte for byte.
 *
 * Usage: java -cp velocity.jar:commons-collections3.jar:commons-lang.jar:DIR
 *             VtlOracle CASES OUT [REPEAT]
 * With REPEAT > 1 (a benchmark), each template is parsed once and rendered
 * REPEAT times; the mean of the second half of the renders is printed.
 * CASES holds records "<tlen> <ilen>\n<template><input>" (lengths in bytes,
 * UTF-8). The input is a JSON object {"body": "...", "params": {"path": {},
 * "querystring": {}, "header": {}}, "context": {...}, "stageVariables":
 * {...}}. OUT receives, for each case, "OK <len>\n<output>\n", "ERR <len>\n
 * <message>\n" (a failure while rendering) or "PARSE <len>\n<message>\n".
 *
 * $input, $util, $context and $stageVariables behave as the reference
 * documents: $input.path returns Java maps (printing {a=1}) and JSON lists
 * (printing ["a",1]), "" for a missing or null node. One JVM serves every
 * case; each case gets a fresh context and its own macro namespace. */
import java.io.*;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.commons.lang.StringEscapeUtils;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.exception.ParseErrorException;
import org.apache.velocity.runtime.RuntimeInstance;
import org.apache.velocity.runtime.parser.node.SimpleNode;

public class VtlOracle {
    /* ---- JSON: parse into LinkedHashMap / JsonList / String / Integer / Long / Double / Boolean / null */
    static final Object JNULL = new Object();

    static class JsonList extends ArrayList<Object> {
        public String toString() { return Json.write(this); }
    }

    static class Json {
        final String s;
        int i;
        Json(String s) { this.s = s; }

        static Object parse(String s) {
            Json j = new Json(s);
            j.ws();
            Object v = j.value();
            j.ws();
            if (j.i != s.length()) throw new IllegalArgumentException("trailing data");
            return v;
        }
        void ws() { while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++; }
        char peek() { if (i >= s.length()) throw new IllegalArgumentException("eof"); return s.charAt(i); }
        void expect(char c) { if (peek() != c) throw new IllegalArgumentException("expected " + c); i++; }
        Object value() {
            char c = peek();
            if (c == '{') {
                i++;
                LinkedHashMap<String, Object> m = new LinkedHashMap<>();
                ws();
                if (peek() == '}') { i++; return m; }
                for (;;) {
                    ws();
                    String k = str();
                    ws(); expect(':'); ws();
                    Object v = value();
                    m.put(k, v == JNULL ? null : v);
                    ws();
                    if (peek() == ',') { i++; continue; }
                    expect('}');
                    return m;
                }
            }
            if (c == '[') {
                i++;
                JsonList l = new JsonList();
                ws();
                if (peek() == ']') { i++; return l; }
                for (;;) {
                    ws();
                    Object v = value();
                    l.add(v == JNULL ? null : v);
                    ws();
                    if (peek() == ',') { i++; continue; }
                    expect(']');
                    return l;
                }
            }
            if (c == '"') return str();
            if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
            if (s.startsWith("null", i)) { i += 4; return JNULL; }
            int st = i;
            if (peek() == '-') i++;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            boolean frac = false;
            if (i < s.length() && s.charAt(i) == '.') { frac = true; i++; while (i < s.length() && Character.isDigit(s.charAt(i))) i++; }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                frac = true; i++;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            }
            String n = s.substring(st, i);
            if (n.isEmpty() || n.equals("-")) throw new IllegalArgumentException("bad value");
            if (frac) return Double.valueOf(n);
            BigInteger b = new BigInteger(n);
            if (b.bitLength() < 32) return Integer.valueOf(b.intValue());
            if (b.bitLength() < 64) return Long.valueOf(b.longValue());
            return Double.valueOf(n);
        }
        String str() {
            expect('"');
            StringBuilder b = new StringBuilder();
            for (;;) {
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c != '\\') { b.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                default: b.append(e);
                }
            }
        }

        static String write(Object v) {
            StringBuilder b = new StringBuilder();
            write(b, v);
            return b.toString();
        }
        static void write(StringBuilder b, Object v) {
            if (v == null) { b.append("null"); return; }
            if (v instanceof String) { quote(b, (String) v); return; }
            if (v instanceof Map) {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    if (!first) b.append(',');
                    first = false;
                    quote(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
                return;
            }
            if (v instanceof Collection) {
                b.append('[');
                boolean first = true;
                for (Object o : (Collection<?>) v) {
                    if (!first) b.append(',');
                    first = false;
                    write(b, o);
                }
                b.append(']');
                return;
            }
            if (v instanceof Number || v instanceof Boolean) { b.append(v.toString()); return; }
            quote(b, v.toString());
        }
        static void quote(StringBuilder b, String s) {
            b.append('"');
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
            b.append('"');
        }
    }

    /* ---- the reference's JSONPath subset: $, .name, ['name'], [n], [*], .* */
    static final Object MISSING = new Object();

    static Object select(Object root, String path) {
        String p = path.trim();
        if (!p.startsWith("$")) throw new IllegalArgumentException("path must start with $");
        List<Object> cur = new ArrayList<>();
        cur.add(root);
        boolean multi = false;
        int i = 1;
        while (i < p.length()) {
            char c = p.charAt(i);
            List<Object> next = new ArrayList<>();
            if (c == '.') {
                int st = ++i;
                while (i < p.length() && p.charAt(i) != '.' && p.charAt(i) != '[') i++;
                String name = p.substring(st, i);
                if (name.isEmpty()) throw new IllegalArgumentException("empty name");
                if (name.equals("*")) { multi = true; for (Object o : cur) children(o, next); }
                else for (Object o : cur) member(o, name, next);
            } else if (c == '[') {
                int end = p.indexOf(']', i);
                if (end < 0) throw new IllegalArgumentException("missing ]");
                String in = p.substring(i + 1, end).trim();
                i = end + 1;
                if (in.equals("*")) { multi = true; for (Object o : cur) children(o, next); }
                else if (in.length() >= 2 && (in.charAt(0) == '\'' || in.charAt(0) == '"')
                         && in.charAt(in.length() - 1) == in.charAt(0)) {
                    String name = in.substring(1, in.length() - 1);
                    for (Object o : cur) member(o, name, next);
                } else {
                    int n = Integer.parseInt(in);
                    for (Object o : cur) {
                        if (!(o instanceof List)) continue;
                        List<?> l = (List<?>) o;
                        int k = n < 0 ? l.size() + n : n;
                        if (k >= 0 && k < l.size()) next.add(l.get(k));
                    }
                }
            } else throw new IllegalArgumentException("bad path");
            cur = next;
        }
        if (multi) { JsonList l = new JsonList(); l.addAll(cur); return l; }
        return cur.isEmpty() ? MISSING : cur.get(0);
    }
    static void member(Object o, String name, List<Object> out) {
        if (o instanceof Map && ((Map<?, ?>) o).containsKey(name)) out.add(((Map<?, ?>) o).get(name));
    }
    static void children(Object o, List<Object> out) {
        if (o instanceof Map) out.addAll(((Map<?, ?>) o).values());
        else if (o instanceof List) out.addAll((List<?>) o);
    }

    /* ---- $input */
    public static class Input {
        final String body;
        final Map<String, Object> params;
        Object parsed;
        boolean parsedDone;
        Input(String body, Map<String, Object> params) { this.body = body; this.params = params; }
        Object root() {
            if (!parsedDone) {
                parsedDone = true;
                String b = body.trim().isEmpty() ? "{}" : body;
                parsed = Json.parse(b);
            }
            return parsed;
        }
        public String getBody() { return body.isEmpty() ? "{}" : body; }
        public Object path(String p) {
            Object v = select(root(), p);
            return v == MISSING || v == null ? "" : v;
        }
        public String json(String p) {
            Object v = select(root(), p);
            return v == MISSING ? "" : Json.write(v);
        }
        public Object params() { return params; }
        public Object params(String name) {
            for (String where : new String[] {"path", "querystring", "header"}) {
                Object m = params.get(where);
                if (m instanceof Map && ((Map<?, ?>) m).containsKey(name)) return ((Map<?, ?>) m).get(name);
            }
            return "";
        }
    }

    /* ---- $util */
    public static class Util {
        public String escapeJavaScript(String s) { return StringEscapeUtils.escapeJavaScript(s); }
        public Object parseJson(String s) { return Json.parse(s); }
        public String urlEncode(String s) throws Exception { return URLEncoder.encode(s, "UTF-8"); }
        public String urlDecode(String s) throws Exception { return URLDecoder.decode(s, "UTF-8"); }
        public String base64Encode(String s) {
            return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
        }
        public String base64Decode(String s) {
            return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
        }
    }

    static Object mapOr(Map<?, ?> m, String k) {
        Object v = m.get(k);
        return v instanceof Map ? v : new LinkedHashMap<String, Object>();
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        VelocityEngine ve = new VelocityEngine();
        ve.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        ve.setProperty("directive.foreach.maxloops", "1000");
        ve.setProperty("velocimacro.permissions.allow.inline.local.scope", "true");
        ve.init();
        Util util = new Util();
        int repeat = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        RuntimeInstance ri = null;
        if (repeat > 1) {
            ri = new RuntimeInstance();
            ri.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
            ri.setProperty("directive.foreach.maxloops", "1000");
            ri.init();
        }
        DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(args[0])));
        OutputStream out = new BufferedOutputStream(new FileOutputStream(args[1]));
        int n = 0;
        long nanos = 0;
        for (;;) {
            StringBuilder hdr = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') hdr.append((char) c);
            if (c == -1) break;
            String[] parts = hdr.toString().trim().split(" ");
            byte[] t = new byte[Integer.parseInt(parts[0])];
            byte[] j = new byte[Integer.parseInt(parts[1])];
            in.readFully(t);
            in.readFully(j);
            String status;
            String result;
            long t0 = System.nanoTime();
            try {
                Map<String, Object> doc = (Map<String, Object>) Json.parse(new String(j, StandardCharsets.UTF_8));
                VelocityContext ctx = new VelocityContext();
                Map<String, Object> params = (Map<String, Object>) mapOr(doc, "params");
                for (String k : new String[] {"path", "querystring", "header"})
                    params.put(k, mapOr(params, k));
                Object body = doc.get("body");
                ctx.put("input", new Input(body == null ? "" : body.toString(), params));
                ctx.put("util", util);
                ctx.put("context", mapOr(doc, "context"));
                ctx.put("stageVariables", mapOr(doc, "stageVariables"));
                StringWriter w = new StringWriter();
                if (ri != null) {
                    SimpleNode tree = ri.parse(new StringReader(new String(t, StandardCharsets.UTF_8)), "case" + n);
                    for (int r = 0; r < repeat; r++) {
                        if (r == repeat / 2) t0 = System.nanoTime();
                        w = new StringWriter();
                        VelocityContext c2 = new VelocityContext(ctx);
                        c2.put("input", new Input(body == null ? "" : body.toString(), params));
                        ri.render(c2, w, "case" + n, tree);
                    }
                } else {
                    ve.evaluate(ctx, w, "case" + n, new String(t, StandardCharsets.UTF_8));
                }
                status = "OK";
                result = w.toString();
            } catch (ParseErrorException e) {
                status = "PARSE";
                result = e.getMessage();
            } catch (Throwable e) {
                status = "ERR";
                result = e.toString();
            }
            nanos += (System.nanoTime() - t0) / (repeat > 1 ? repeat - repeat / 2 : 1);
            byte[] r = result.getBytes(StandardCharsets.UTF_8);
            out.write((status + " " + r.length + "\n").getBytes(StandardCharsets.UTF_8));
            out.write(r);
            out.write('\n');
            n++;
        }
        out.close();
        System.err.println("oracle: " + n + " cases, " + (nanos / 1000 / Math.max(n, 1)) + " us per case");
    }
}
