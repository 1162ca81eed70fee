/* Unit tests for the template engine (common/vtl_*): one named case per
 * construct, each rendered against the same request. Every expected output
 * below was produced by Apache Velocity 1.7 itself (tests/vtl/VtlOracle.java)
 * before it was written here; tests/vtl/run_diff.py compares thousands more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vtl.h"

static const char *const request_json =
    "{\"body\": \"{\\\"name\\\":\\\"Ann \\\\\\\"A\\\\\\\"\\\",\\\"n\\\":3,\\\"price\\\":9.5,"
    "\\\"tags\\\":[\\\"a\\\",\\\"b\\\"],\\\"items\\\":[{\\\"id\\\":1,\\\"q\\\":2},{\\\"id\\\":2,"
    "\\\"q\\\":5}],\\\"nested\\\":{\\\"x\\\":1,\\\"y\\\":[2,3]},\\\"nil\\\":null,\\\"ok\\\":true}"
    "\","
    " \"params\": {\"path\": {\"id\": \"7\"}, \"querystring\": {\"q\": \"z y\"},"
    " \"header\": {\"X-Id\": \"h1\"}},"
    " \"context\": {\"requestId\": \"r-1\", \"stage\": \"prod\","
    " \"identity\": {\"sourceIp\": \"10.1.2.3\"}, \"requestOverride\": {\"header\": {}}},"
    " \"stageVariables\": {\"env\": \"dev\"}}";

typedef struct vtl_case {
    const char *name;
    const char *tmpl;
    int code;           /* VTL_OK, VTL_ERUNTIME or VTL_EPARSE */
    const char *expect; /* the output when code is VTL_OK */
} vtl_case_t;

static const vtl_case_t cases[] = {
    {"text", "plain text\n", VTL_OK, "plain text\n"},
    {"set_newline", "a\n#set($x = 1)\nb$x", VTL_OK, "a\nb1"},
    {"set_indent_kept", "a\n  #set($x = 1)\nb", VTL_OK, "a\n  b"},
    {"set_after_ref_eats_space", "#set($a = 1)$a #set($b = 2)$b", VTL_OK, "12"},
    {"if_else_gobble", "  #if(true)  \nx\n  #else\ny\n  #end  \nz", VTL_OK, "  x\n  z"},
    {"elseif", "#set($n = 5)#if($n < 3)low#elseif($n < 10)mid#{else}high#end", VTL_OK, "mid"},
    {"if_literal_false", "#if(0)a#end#if('')b#end#if($nope)c#end#set($z = 0)#if($z)d#end", VTL_OK,
     "d"},
    {"foreach_vars",
     "#foreach($i in [1, 2])\n $i $foreach.count $foreach.index $foreach.hasNext "
     "$velocityCount\n#end\ndone",
     VTL_OK, " 1 1 0 true 1\n 2 2 1 false 2\ndone"},
    {"foreach_map_values", "#set($m = {\"a\": 1, \"b\": 2})#foreach($v in $m)$v#end", VTL_OK, "12"},
    {"foreach_range", "#foreach($i in [3..1])$i#end", VTL_OK, "321"},
    {"foreach_restores_var", "#set($x = 1)#foreach($x in [5,6])$x#end$x", VTL_OK, "561"},
    {"foreach_break", "#foreach($i in [1..5])#if($i == 3)#break#end$i#end", VTL_OK, "12"},
    {"foreach_null", "#foreach($i in $nope)x#end.", VTL_OK, "."},
    {"foreach_limit", "#set($c = 0)#foreach($i in [1..1500])#set($c = $c + 1)#end$c", VTL_OK,
     "1000"},
    {"stop", "a#stop b", VTL_OK, "a"},
    {"macro", "#macro(m $a)[$a]#end\n#m(1)\n#m('x') y", VTL_OK, "[1][x] y"},
    {"macro_by_name", "#set($l = [1])#macro(mk $p)$p $p#end#mk($l.add(5)) $l", VTL_OK,
     "true true [1, 5, 5]"},
    {"macro_null_arg", "#macro(mk $p)[$p]#end#mk($nope)", VTL_OK, "[$nope]"},
    {"define", "#define($d)D$x#end#set($x = 1)$d#set($x = 2)$d", VTL_OK, "D1D2"},
    {"evaluate", "#evaluate(\"#set($q = 5)$q\")", VTL_OK, "5"},
    {"comments", "## comment\na ## trailing\nb #* block *# c\n#* multi\nline *#\nd", VTL_OK,
     "a b  c\n\nd"},
    {"textblock", "#[[ $raw #if ]]#", VTL_OK, " $raw #if "},
    {"escapes", "\\$undefined \\$input \\#if \\#foo #set($a = 1)\\$a \\\\$a", VTL_OK,
     "\\$undefined $input #if \\#foo$a \\1"},
    {"undefined_printed", "$undefined $!undefined ${undefined} $!{undefined} $undefined.foo $x.y()",
     VTL_OK, "$undefined  ${undefined}  $undefined.foo $x.y()"},
    {"lone_dollar_hash", "a $ b # c $5 #5", VTL_OK, "a $ b # c $5 #5"},
    {"map_list_printing", "#set($m = {\"a\": 1, \"b\": [1, 2, \"x\"]})$m $m.a $m.b.size() $m.c",
     VTL_OK, "{a=1, b=[1, 2, x]} 1 3 $m.c"},
    {"integer_overflow_to_long", "#set($a = 2147483647)#set($b = $a + 1)$b", VTL_OK, "2147483648"},
    {"division", "#set($c = 7 / 2)$c #set($d = 7.0 / 2)$d #set($e = -7 % 3)$e #set($f = 1 / 0)$f",
     VTL_OK, "33.5-1$f"},
    {"doubles",
     "#set($a = 10000000.0)$a #set($b = 0.001)$b #set($c = 0.0001)$c #set($f = 0.1 + 0.2)$f "
     "#set($g = 1e3)$g",
     VTL_OK, "1.0E70.0011.0E-40.300000000000000041000.0"},
    {"concat", "#set($x = \"a\" + 1)$x #set($y = 1 + \"a\")$y #set($z = $nope + \"a\")$z", VTL_OK,
     "a11a$nopea"},
    {"compare_types",
     "#if(1 == \"1\")eq#end #if(\"a\" < \"b\")lt#else nlt#end #if($nope == $nope2)nn#end #if(1 eq "
     "1.0)f#end",
     VTL_OK, "eq  nlt nn f"},
    {"logic_words", "#if(1 lt 2 and not false)A#end#if(false or true)B#end#if(!($nope))C#end",
     VTL_OK, "ABC"},
    {"string_methods",
     "#set($s = \"Hello World\")$s.length() $s.substring(1,3) $s.indexOf(\"o\") "
     "$s.lastIndexOf(\"o\") $s.replace(\"o\",\"0\") $s.toUpperCase() $s.toLowerCase() "
     "$s.contains(\"W\") $s.startsWith(\"He\") $s.endsWith(\"d\") $s.isEmpty() $s.charAt(4) "
     "$s.equals(\"x\")",
     VTL_OK, "11 el 4 7 Hell0 W0rld HELLO WORLD hello world true true true false o false"},
    {"regex_methods",
     "#set($s = \"a1b22c333\")$s.replaceAll(\"\\d+\", \"#\") $s.replaceFirst(\"(\\d)\", \"<$1>\") "
     "$s.matches(\"[a-c0-9]+\") $s.matches(\"\\d+\")",
     VTL_OK, "a#b#c# a<1>b22c333 true false"},
    {"split",
     "#set($s = \" a,b,,c,, \")$s.trim() $s.split(\",\").size() #foreach($p in "
     "$s.split(\",\"))[$p]#end $s.split(\",\")[1] $s.split(\",\", -1).size()",
     VTL_OK, "a,b,,c,, 6 [ a][b][][c][][ ] b 6"},
    {"string_method_error", "#set($s = \"abc\")$s.substring(5)", VTL_ERUNTIME, NULL},
    {"list_methods",
     "#set($l = [1, 2])$l.add(3) $l $l.get(0) $l[1] $l[-1] $l.size() $l.contains(2) $l.isEmpty() "
     "$l.indexOf(3) $l.remove(0) $l",
     VTL_OK, "true [1, 2, 3] 1 2 3 3 true false 2 1 [2, 3]"},
    {"list_index_error", "#set($l = [1, 2])$l[5]", VTL_ERUNTIME, NULL},
    {"map_methods",
     "#set($m = {\"a\": 1})$m.put(\"b\", 2) $m.put(\"a\", 3) $m $m.containsKey(\"a\") "
     "$m.get(\"zz\") $m.keySet() $m.values() $m.entrySet() $m.size() $m.remove(\"a\") $m",
     VTL_OK,
     "$m.put(\"b\", 2) 1 {a=3, b=2} true $m.get(\"zz\") [a, b] [3, 2] [a=3, b=2] 2 3 {b=2}"},
    {"entry_props",
     "#set($m = {\"a\": 1, \"b\": 2})#foreach($e in $m.entrySet())$e.key=$e.value;#end", VTL_OK,
     "a=1;b=2;"},
    {"set_map_property", "#set($m = {})#set($m.k = 5)#set($m[\"j\"] = 6)$m", VTL_OK, "{k=5, j=6}"},
    {"set_null_keeps", "#set($a = 1)#set($a = $nope)$a", VTL_OK, "1"},
    {"interpolation",
     "#set($a = \"x\")#set($b = \"a\"\"b '$a' $nope\")$b #set($c = 'q $a ''z''')$c #set($t = "
     "\"${a}abc\")$t",
     VTL_OK, "a\"b 'x' $nopeq $a 'z'xabc"},
    {"input_path",
     "$input.path('$.name') $input.path('$.tags') $input.path('$.nested') "
     "$input.path('$.items[1].q') $input.path('$.items[*].id') "
     "$input.path('$.nil')|$input.path('$.missing')|",
     VTL_OK, "Ann \"A\" [\"a\",\"b\"] {x=1, y=[2,3]} 5 [1,2] ||"},
    {"input_json", "$input.json('$.nested') $input.json('$.name') $input.json('$.tags[-1]')",
     VTL_OK, "{\"x\":1,\"y\":[2,3]} \"Ann \\\"A\\\"\" \"b\""},
    {"input_body", "$input.body", VTL_OK,
     "{\"name\":\"Ann "
     "\\\"A\\\"\",\"n\":3,\"price\":9.5,\"tags\":[\"a\",\"b\"],\"items\":[{\"id\":1,\"q\":2},{"
     "\"id\":2,\"q\":5}],\"nested\":{\"x\":1,\"y\":[2,3]},\"nil\":null,\"ok\":true}"},
    {"input_params",
     "$input.params() $input.params('id') $input.params('q') $input.params('X-Id') "
     "[$input.params('none')] $input.params().header.X-Id",
     VTL_OK, "{path={id=7}, querystring={q=z y}, header={X-Id=h1}} 7 z y h1 [] h1"},
    {"input_path_arith",
     "#set($x = $input.path('$.n') + 1)$x #set($l = $input.path('$.tags'))#set($d = $l.add('c'))$l",
     VTL_OK, "4[\"a\",\"b\",\"c\"]"},
    {"context",
     "$context.requestId $context.stage $context.identity.sourceIp $stageVariables.env "
     "$context.nope",
     VTL_OK, "r-1 prod 10.1.2.3 dev $context.nope"},
    {"request_override",
     "#set($context.requestOverride.header.X = \"v\")$context.requestOverride.header", VTL_OK,
     "{X=v}"},
    {"util_escape_js",
     "$util.escapeJavaScript(\"a'b\"\"c/d\\\\\") $util.escapeJavaScript($input.path('$.name'))",
     VTL_OK, "a\\'b\\\"c\\/d\\\\\\\\ Ann \\\"A\\\""},
    {"util_url", "$util.urlEncode(\"a b&c=d/\303\251*\") $util.urlDecode(\"a+b%2F%C3%A9\")", VTL_OK,
     "a+b%26c%3Dd%2F%C3%A9* a b/\303\251"},
    {"util_base64", "$util.base64Encode(\"h\303\251\") $util.base64Decode(\"aMOp\")", VTL_OK,
     "aMOp h\303\251"},
    {"util_parse_json",
     "#set($j = $util.parseJson('{\"a\": [1, 2.5, \"x\"], \"b\": {\"c\": null}}'))$j $j.a $j.b.c",
     VTL_OK, "{a=[1,2.5,\"x\"], b={c=null}} [1,2.5,\"x\"] $j.b.c"},
    {"util_bad_base64", "$util.base64Decode(\"!!\")", VTL_ERUNTIME, NULL},
    {"reshape",
     "{\n  \"names\": [#foreach($it in "
     "$input.path('$.items'))\"$it.id\"#if($foreach.hasNext),#end#end],\n  \"who\": "
     "\"$util.escapeJavaScript($input.path('$.name'))\"\n}",
     VTL_OK, "{\n  \"names\": [\"1\",\"2\"],\n  \"who\": \"Ann \\\"A\\\"\"\n}"},
    {"parse_error_if", "#if(true)\nx", VTL_EPARSE, NULL},
    {"parse_error_set", "ab\n  #set($x = )", VTL_EPARSE, NULL},
    {"include_refused", "#include('x')", VTL_EPARSE, NULL},
    {"utf8_replacement",
     "[$util.urlDecode('%ff%C3%A9%e2%82x%ed%a0%80y%f0%9f%98%80%c0%af')] "
     "$util.escapeJavaScript($util.base64Decode('/+Higuc='))",
     VTL_OK,
     "[\357\277\275\303\251\357\277\275x\357\277\275y\360\237\230\200\357\277\275\357\277\275] "
     "\\uFFFD\\uFFFD\\uFFFD\\uFFFD"},
    {"surrogate_halves",
     "#set($s = "
     "$util.urlDecode('x%f0%9f%98%80ab'))$s.length()|$s.substring(0,2)|$s.substring(2)|$s.charAt(1)"
     "|$s.substring(2,2)",
     VTL_OK, "5|x\?|\?ab|\?|"},
    {"static_parse_int",
     "#set($Integer = 0)$Integer.parseInt(\"42\") #set($x = $Integer.parseInt($input.params('id')) "
     "+ 1)$x #set($d = 0.0)$d.parseDouble(\"2.5\")",
     VTL_OK, "4282.5"},
    {"hashcode", "#set($s = \"abc\")$s.hashCode() #set($l = [1, \"a\"])$l.hashCode()", VTL_OK,
     "963541089"},
};

typedef struct fixture {
    const vtl_case_t *c; /* the table row, for test_case */
    arena_t *arena;
    json_t *doc;
    vtl_jsonprov_t jp;
    vtl_provider_t prov;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    json_error_t je;
    f->c = *state;
    f->arena = arena_create(64 * 1024);
    f->doc = json_loads(request_json, 0, &je);
    assert_non_null(f->doc);
    vtl_jsonprov_init(&f->jp, f->doc, &f->prov);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    json_decref(f->doc);
    arena_destroy(f->arena);
    free(f);
    return 0;
}

/* compiles and renders; returns the code, output in *out (arena memory) */
static int run(fixture_t *f, const char *tmpl, const vtl_limits_t *lim, char **out, size_t *n,
               vtl_error_t *err)
{
    vtl_template_t *t;
    int rc = vtl_compile(tmpl, strlen(tmpl), f->arena, &t, err);
    if (rc != VTL_OK)
        return rc;
    vtl_alloc_t al = vtl_arena_alloc(f->arena);
    return vtl_render(t, &f->prov, lim, &al, out, n, err);
}

/* one row of the table */
static void test_case(void **state)
{
    fixture_t *f = *state;
    const vtl_case_t *c = f->c;
    char *out = NULL;
    size_t n = 0;
    vtl_error_t err;
    int rc = run(f, c->tmpl, NULL, &out, &n, &err);
    if (rc != c->code)
        print_error("%s: code %d (%s), want %d\n", c->name, rc, err.message, c->code);
    assert_int_equal(rc, c->code);
    if (rc != VTL_OK)
        return;
    if (n != strlen(c->expect) || memcmp(out, c->expect, n) != 0)
        print_error("%s: got \"%.*s\"\n     want \"%s\"\n", c->name, (int)n, out, c->expect);
    assert_int_equal(n, strlen(c->expect));
    assert_memory_equal(out, c->expect, n);
}

/* syntax errors name the line and column Velocity names */
static void test_parse_error_position(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *tmpl;
        int line, column;
    } rows[] = {
        {"#if(true)\nx", 2, 1},
        {"ab\n  #set($x = )", 2, 13},
        {"ok\n\n  #set($a = 1 +)", 3, 16},
        {"#foreach($i in [1])\n  #if(true\n#end", 3, 1},
        {"$a.b(1", 1, 6},
    };
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        vtl_template_t *t;
        vtl_error_t err;
        int rc = vtl_compile(rows[k].tmpl, strlen(rows[k].tmpl), f->arena, &t, &err);
        assert_int_equal(rc, VTL_EPARSE);
        assert_int_equal(err.line, rows[k].line);
        assert_int_equal(err.column, rows[k].column);
        assert_non_null(strstr(err.message, "line"));
    }
}

/* the render limits: output bytes, steps, memory, macro depth */
static void test_limits(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *tmpl;
        vtl_limits_t lim;
    } rows[] = {
        {"#foreach($i in [1..100])0123456789#end",
         {.max_output = 500,
          .max_steps = 100000,
          .max_memory = 1 << 20,
          .max_foreach = 1000,
          .max_depth = 8}},
        {"#foreach($i in [1..1000])#foreach($j in [1..1000])x#end#end",
         {.max_output = 1 << 30,
          .max_steps = 20000,
          .max_memory = 1 << 30,
          .max_foreach = 1000,
          .max_depth = 8}},
        {"#set($s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')#foreach($i in [1..20])"
         "#set($s = \"$s$s\")#end",
         {.max_output = 1 << 30,
          .max_steps = 1000000,
          .max_memory = 1 << 20,
          .max_foreach = 1000,
          .max_depth = 8}},
        /* failing inside replaceAll and parseJson frees what PCRE2 and
         * jansson allocated (the ASan build checks for leaks) */
        {"#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')"
         "#foreach($i in [1..6])#set($s = $s.replaceAll('a', 'aaaa'))#end",
         {.max_output = 1 << 30,
          .max_steps = 1000000,
          .max_memory = 1 << 16,
          .max_foreach = 1000,
          .max_depth = 8}},
        {"$util.parseJson('[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, "
         "20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40]')",
         {.max_output = 1 << 30,
          .max_steps = 1000000,
          .max_memory = 1 << 10,
          .max_foreach = 1000,
          .max_depth = 8}},
        {"#macro(r $n)#r($n)#end#r(1)",
         {.max_output = 1 << 20,
          .max_steps = 1000000,
          .max_memory = 1 << 24,
          .max_foreach = 1000,
          .max_depth = 8}},
    };
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        char *out;
        size_t n;
        vtl_error_t err;
        int rc = run(f, rows[k].tmpl, &rows[k].lim, &out, &n, &err);
        assert_int_equal(rc, VTL_ELIMIT);
        assert_true(err.message[0] != 0);
    }
}

/* a compiled template is immutable: rendering twice gives the same bytes
 * (#set and list changes live in the render, not in the template) */
static void test_render_twice(void **state)
{
    fixture_t *f = *state;
    const char *src = "#set($l = $input.path('$.tags'))#set($d = $l.add('z'))$l #set($m = {})"
                      "#set($m.a = $l.size())$m";
    vtl_template_t *t;
    assert_int_equal(vtl_compile(src, strlen(src), f->arena, &t, NULL), VTL_OK);
    for (int r = 0; r < 2; r++) {
        arena_t *ra = arena_create(4096);
        vtl_alloc_t al = vtl_arena_alloc(ra);
        char *out;
        size_t n;
        assert_int_equal(vtl_render(t, &f->prov, NULL, &al, &out, &n, NULL), VTL_OK);
        assert_int_equal(n, strlen("[\"a\",\"b\",\"z\"]{a=3}"));
        assert_memory_equal(out, "[\"a\",\"b\",\"z\"]{a=3}", n);
        arena_destroy(ra);
    }
}

/* what a template reads of $context, from its AST: the names a provider
 * must build, or everything */
static void test_context_names(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *src;
        int all;
        const char *names; /* space-separated, in first-use order */
    } rows[] = {
        {"no context here $input.body", 0, ""},
        {"$context.stage $context.requestId $context.stage", 0, "stage requestId"},
        {"$context.identity.sourceIp ${context.authorizer.claims.sub}", 0, "identity authorizer"},
        {"#set($context.responseOverride.status = 404)", 0, "responseOverride"},
        {"#if($context.httpMethod == 'GET')\"$context.path\"#end", 0, "httpMethod path"},
        {"#foreach($x in [1])$util.escapeJavaScript($context.stage)#end", 0, "stage"},
        {"#macro(m $a)$context.domainName#end#m(1)", 0, "domainName"},
        {"$context", 1, NULL},
        {"$context.keySet()", 1, NULL},
        {"$context['stage']", 1, NULL},
        {"#set($c = $context)$c.stage", 1, NULL},
        {"#evaluate('$context.stage')", 1, NULL},
        {"#foreach($context in [1])x#end", 1, NULL},
        {"#macro(m $context)$context#end", 1, NULL},
    };
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        vtl_template_t *t;
        assert_int_equal(vtl_compile(rows[k].src, strlen(rows[k].src), f->arena, &t, NULL), VTL_OK);
        const char *const *names;
        size_t n;
        int all = vtl_context_names(t, &names, &n);
        if (all != rows[k].all)
            fail_msg("%s: all %d", rows[k].src, all);
        if (all)
            continue;
        char got[256] = "";
        for (size_t i = 0; i < n; i++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "", names[i]);
        if (strcmp(got, rows[k].names) != 0)
            fail_msg("%s: got \"%s\"", rows[k].src, got);
    }
}

/* the compiled template keeps its own copy of the source */
static void test_source_copied(void **state)
{
    fixture_t *f = *state;
    char src[] = "#set($a = 'x')[$a] $input.params('id')";
    vtl_template_t *t;
    assert_int_equal(vtl_compile(src, strlen(src), f->arena, &t, NULL), VTL_OK);
    memset(src, '#', sizeof(src) - 1);
    vtl_alloc_t al = vtl_arena_alloc(f->arena);
    char *out;
    size_t n;
    assert_int_equal(vtl_render(t, &f->prov, NULL, &al, &out, &n, NULL), VTL_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "[x] 7", 5);
}

/* a provider without callbacks: empty body, empty maps */
static void test_empty_provider(void **state)
{
    fixture_t *f = *state;
    const char *src = "$input.body|$input.params()|$context|$stageVariables.x|$input.path('$')";
    vtl_template_t *t;
    assert_int_equal(vtl_compile(src, strlen(src), f->arena, &t, NULL), VTL_OK);
    vtl_provider_t none = {0};
    vtl_alloc_t al = vtl_arena_alloc(f->arena);
    char *out;
    size_t n;
    assert_int_equal(vtl_render(t, &none, NULL, &al, &out, &n, NULL), VTL_OK);
    const char *want = "{}|{path={}, querystring={}, header={}}|{}|$stageVariables.x|{}";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
}

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* the JSON provider plus what context_out received (jp first: the JSON
 * callbacks read ud as a vtl_jsonprov_t) */
typedef struct ctx_capture {
    vtl_jsonprov_t jp;
    char *dump;
} ctx_capture_t;

static void on_context(void *ud, const json_t *context)
{
    ((ctx_capture_t *)ud)->dump = json_dumps(context, JSON_COMPACT | JSON_SORT_KEYS);
}

/* what #set changed in $context reaches the caller after the render */
static void test_context_out(void **state)
{
    fixture_t *f = *state;
    const char *src = "#set($context.requestOverride.header.X = \"v\")"
                      "#set($context.responseOverride = {\"status\": 444})ok";
    vtl_template_t *t;
    assert_int_equal(vtl_compile(src, strlen(src), f->arena, &t, NULL), VTL_OK);
    ctx_capture_t cap = {0};
    vtl_provider_t prov;
    vtl_jsonprov_init(&cap.jp, f->doc, &prov);
    prov.context_out = on_context;
    vtl_alloc_t al = vtl_arena_alloc(f->arena);
    char *out;
    size_t n;
    assert_int_equal(vtl_render(t, &prov, NULL, &al, &out, &n, NULL), VTL_OK);
    assert_non_null(cap.dump);
    assert_string_equal(cap.dump, "{\"identity\":{\"sourceIp\":\"10.1.2.3\"},\"requestId\":\"r-1\","
                                  "\"requestOverride\":{\"header\":{\"X\":\"v\"}},"
                                  "\"responseOverride\":{\"status\":444},\"stage\":\"prod\"}");
    free(cap.dump);
}

/* the fast paths (runs copied at once, names numbered at compile time,
 * integers read and printed without libc) give Velocity 1.7's answers:
 * each expected output below is the oracle's */
static const char fast_doc[] =
    "{\"body\": \"{\\\"s\\\": \\\"a'b\\\\\\\"c/d\\\\\\\\e\\\\tf\\\\ng\\\", \\\"u\\\": "
    "\\\"caf\\\\u00e9 \\\\ud83d\\\\ude00 \\\\u0001x\\\\u007f\\\", \\\"p\\\": \\\"plain text\\\", "
    "\\\"n\\\": -42}\", \"params\": {}, \"context\": {\"stage\": \"prod\"}, \"stageVariables\": "
    "{}}";

static const vtl_case_t fast_cases[] = {
    {"evaluate_shares_globals",
     "#set($x = 1)#evaluate('#set($x = 2)')$x#evaluate('#set($y = $x + 1)')$y", VTL_OK, "23"},
    {"escape_js_runs",
     "$util.escapeJavaScript($input.path('$.p'))|$util.escapeJavaScript($input.path('$.s'))|$util."
     "escapeJavaScript($input.path('$.u'))",
     VTL_OK,
     "plain text|a\\'b\\\"c\\/d\\\\e\\tf\\ng|caf\\u00E9 \\uD83D\\uDE00 \\u0001x\x7f"
     ""},
    {"json_numbers_and_escapes",
     "#set($j = $util.parseJson('{\"k\": \"0123456789\\\"ab\\\\\\\\cdefghij\\\"\", \"n\": "
     "-12345678901234567, \"m\": 123456789012345678, \"z\": -0, \"q\": "
     "\"x\\\\\\\\\"}'))$j.k|$j.n|$j.m|$j.z|$j.q|$j",
     VTL_OK,
     "0123456789\"ab\\\\cdefghij\"|-12345678901234567|123456789012345678|0|x\\\\|{k="
     "0123456789\"ab\\\\cdefghij\", n=-12345678901234567, m=123456789012345678, z=0, q=x\\\\}"},
    {"json_quote_runs",
     "#set($m = {\"s\": $input.path('$.s'), \"n\": $input.path('$.n'), \"l\": [$input.path('$.u'), "
     "9]})$m|$input.json('$')",
     VTL_OK,
     "{s=a'b\"c/d\\e\tf\ng, n=-42, l=[caf\xc3"
     "\xa9"
     " \xf0"
     "\x9f"
     "\x98"
     "\x80"
     " \x01"
     "x\x7f"
     ", 9]}|{\"s\":\"a'b\\\"c/d\\\\e\\tf\\ng\",\"u\":\"caf\xc3"
     "\xa9"
     " \xf0"
     "\x9f"
     "\x98"
     "\x80"
     " \\u0001x\x7f"
     "\",\"p\":\"plain text\",\"n\":-42}"},
};

static void test_fast_paths(void **state)
{
    fixture_t *f = *state;
    json_error_t je;
    json_t *doc = json_loads(fast_doc, 0, &je);
    assert_non_null(doc);
    vtl_jsonprov_init(&f->jp, doc, &f->prov);
    for (size_t k = 0; k < sizeof(fast_cases) / sizeof(fast_cases[0]); k++) {
        const vtl_case_t *c = &fast_cases[k];
        char *out = NULL;
        size_t n = 0;
        vtl_error_t err;
        assert_int_equal(run(f, c->tmpl, NULL, &out, &n, &err), c->code);
        if (n != strlen(c->expect) || memcmp(out, c->expect, n) != 0)
            print_error("%s: got \"%.*s\"\n     want \"%s\"\n", c->name, (int)n, out, c->expect);
        assert_int_equal(n, strlen(c->expect));
        assert_memory_equal(out, c->expect, n);
    }
    json_decref(doc);
}

/* Invalid UTF-8 among ASCII runs of every length around the scanner's 16-
 * and 8-byte steps: each maximal invalid subpart becomes one U+FFFD, as
 * Java decodes (the template's own text, printed as it is). */
static void test_utf8_runs(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *mid, *want;
    } seqs[] = {
        {"\xC3\xA9", "\xC3\xA9"},                 /* valid, two bytes */
        {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"}, /* valid, four bytes */
        {"\xFF", "\xEF\xBF\xBD"},
        {"\xE2\x82", "\xEF\xBF\xBD"},             /* one truncated sequence */
        {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"}, /* never valid: byte by byte */
    };
    for (size_t s = 0; s < sizeof(seqs) / sizeof(seqs[0]); s++) {
        for (size_t lead = 0; lead <= 33; lead++) {
            for (size_t tail = 0; tail <= 17; tail += 17) {
                char src[128], want[128];
                size_t n = 0, w = 0;
                memset(src, 'a', lead);
                memset(want, 'a', lead);
                n = w = lead;
                n += (size_t)snprintf(src + n, sizeof(src) - n, "%s", seqs[s].mid);
                w += (size_t)snprintf(want + w, sizeof(want) - w, "%s", seqs[s].want);
                memset(src + n, 'b', tail);
                memset(want + w, 'b', tail);
                src[n + tail] = '\0';
                want[w + tail] = '\0';
                char *out = NULL;
                size_t got = 0;
                assert_int_equal(run(f, src, NULL, &out, &got, NULL), VTL_OK);
                if (got != strlen(want) || memcmp(out, want, got) != 0)
                    print_error("sequence %zu after %zu bytes, %zu after\n", s, lead, tail);
                assert_int_equal(got, strlen(want));
                assert_memory_equal(out, want, got);
            }
        }
    }
}

/* more distinct names than vtl_compile numbers: the rest are found by hash */
static void test_many_names(void **state)
{
    fixture_t *f = *state;
    char src[300 * 24];
    size_t len = 0;
    for (int k = 0; k < 300; k++)
        len += (size_t)snprintf(src + len, sizeof(src) - len, "#set($v%d = %d)", k, k);
    snprintf(src + len, sizeof(src) - len, "$v0 $v150 $v299 $v300");
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(run(f, src, NULL, &out, &n, NULL), VTL_OK);
    assert_int_equal(n, strlen("0 150 299 $v300"));
    assert_memory_equal(out, "0 150 299 $v300", n);
}

int main(void)
{
    struct CMUnitTest tests[NCASES + 10] = {
        cmocka_unit_test_setup_teardown(test_context_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_context_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_error_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_runs, setup, teardown),
    };
    for (size_t k = 0; k < NCASES; k++)
        tests[10 + k] =
            (struct CMUnitTest){cases[k].name, test_case, setup, teardown, (void *)&cases[k]};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
