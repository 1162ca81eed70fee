"""Random mapping templates and request inputs from VTL's grammar, for the
differential test against Velocity 1.7 (run_diff.py). Deterministic for a
given seed. The generator avoids only what the reference cannot print
deterministically (Java arrays and objects printed whole) and integer
overflow past Long (BigInteger)."""
import json
import random

WORDS = ["alpha", "beta", "Gamma", "d e", "x,y", "a-b", "42", "3.5", "", " pad ", "héllo",
         "O'Neil", 'say "hi"', "tab\there", "line\nbreak", "slash/back\\", "ünï", "日本",
         "a+b=c&d", "%41", "true", "null", "ABC", "aXbXc", "1,2,,3,"]
KEYS = ["id", "name", "tags", "n", "price", "ok", "nested", "items", "empty", "txt", "x-y"]
VARS = ["a", "b", "c", "s", "n", "l", "m", "x", "item", "k", "v", "res", "tmp"]
REGEXES = ["[aeiou]", "\\d+", "\\s", "a|b", "^a", "c$", "(\\w)(\\w)", "[,/]", "X", ".", "\\.", "[A-Z]+",
           "b*", ","]
REPLS = ["_", "$1", "[$0]", "", "\\$", "-$2-"]
PATHS = ["$", "$.id", "$.name", "$.tags", "$.tags[0]", "$.tags[-1]", "$.n", "$.price", "$.ok",
         "$.nested", "$.nested.inner", "$.nested.list", "$.items", "$.items[1].name",
         "$.items[*].name", "$.missing", "$.empty", "$.txt", "$['x-y']", "$.nested.*", "$.items[5]",
         "$.nothere.deep"]
MACROS = ["mk", "show", "pair"]

# Mapping templates as people write them (the reference's documentation and
# common integrations), rendered against random bodies.
REAL = [
    """#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot.items)
  {
    "name": "$elem.name",
    "qty": $elem.qty
  }#if($foreach.hasNext),#end

#end
]""",
    """{
  "body" : $input.json('$'),
  "headers": {
    #foreach($header in $input.params().header.keySet())
    "$header": "$util.escapeJavaScript($input.params().header.get($header))" #if($foreach.hasNext),#end

    #end
  },
  "queryParams": {
    #foreach($param in $input.params().querystring.keySet())
    "$param": "$util.escapeJavaScript($input.params().querystring.get($param))" #if($foreach.hasNext),#end

    #end
  },
  "stage" : "$context.stage",
  "requestId" : "$context.requestId"
}""",
    """#set($allParams = $input.params())
{
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
},
"stage-variables" : {
#foreach($key in $stageVariables.keySet())
"$key" : "$util.escapeJavaScript($stageVariables.get($key))"
    #if($foreach.hasNext),#end
#end
}
}""",
    """Action=SendMessage&MessageBody=$util.urlEncode($input.body)""",
    """#set($id = $input.params('id'))
#if($id == "")
{"error": "missing id"}
#else
{"id": "$id", "name": "$input.path('$.name')", "tags": $input.json('$.tags')}
#end""",
    """#set($n = $input.path('$.n'))
#if($n > 100)#set($size = "large")#elseif($n > 10)#set($size = "medium")#else#set($size = "small")#end
{"n": $n, "size": "$size", "price": $input.path('$.price'), "total": #if($n != "" && $input.path('$.price') != "")$input.path('$.price')#{else}0#end}""",
    """{
  "TableName": "items",
  "Item": {
    "id": {"S": "$context.requestId"},
    "name": {"S": "$util.escapeJavaScript($input.path('$.name')).replaceAll("\\\\'","'")"},
    "tags": {"SS": [#foreach($t in $input.path('$.tags'))"$util.escapeJavaScript($t)"#if($foreach.hasNext), #end#end]}
  }
}""",
    """#set($b = $util.base64Encode($input.body))$b
$util.base64Decode($b).length()""",
    """#set($context.requestOverride.header.X-Trace = $context.requestId)
#set($context.responseOverride.status = 201)
{"ok": true, "override": "$context.requestOverride.header"}""",
    """## a comment at the top
#set( $items = $input.path('$.items') )
#foreach( $it in $items )
  #if( $velocityCount > 2 )#break#end
$velocityCount: $it.name ($it.qty)
#end
count=$items.size()""",
]


class Gen:
    def __init__(self, rnd):
        self.r = rnd
        self.depth = 0
        self.macros = {}

    def pick(self, xs):
        return self.r.choice(xs)

    # ---- inputs ----
    def json_value(self, depth=0):
        r = self.r.random()
        if depth < 2 and r < 0.15:
            return {self.pick(KEYS): self.json_value(depth + 1) for _ in range(self.r.randint(0, 3))}
        if depth < 2 and r < 0.3:
            return [self.json_value(depth + 1) for _ in range(self.r.randint(0, 4))]
        if r < 0.55:
            return self.pick(WORDS)
        if r < 0.75:
            return self.r.randint(-50, 2000)
        if r < 0.85:
            return self.pick([0.5, 1.25, -3.75, 100.0, 2.5e-4, 1e7, 12345.678])
        if r < 0.95:
            return self.pick([True, False])
        return None

    def body(self):
        r = self.r.random()
        if r < 0.08:
            return ""
        if r < 0.12:
            return "not json"
        doc = {
            "id": self.r.randint(1, 999),
            "name": self.pick(WORDS),
            "tags": [self.pick(WORDS) for _ in range(self.r.randint(0, 4))],
            "n": self.r.randint(-5, 1500),
            "price": self.pick([9.99, 10.0, 0.1, 1234.5, 3.0]),
            "ok": self.pick([True, False]),
            "nested": {"inner": self.json_value(1), "list": [self.r.randint(0, 9) for _ in range(3)]},
            "items": [{"name": self.pick(WORDS), "qty": self.r.randint(0, 5)}
                      for _ in range(self.r.randint(0, 4))],
            "empty": None,
            "txt": self.pick(WORDS) + self.pick(["", " 😀", "\u00e9\u00e8"]),
            "x-y": self.json_value(1),
        }
        for k in list(doc):
            if self.r.random() < 0.1:
                del doc[k]
        return json.dumps(doc, ensure_ascii=self.r.random() < 0.5)

    def request(self):
        return {
            "body": self.body(),
            "params": {"path": {"id": str(self.r.randint(1, 99))},
                       "querystring": {"q": self.pick(WORDS), "page": "2"},
                       "header": {"Accept": "application/json", "X-Id": self.pick(WORDS)}},
            "context": {"requestId": "req-%d" % self.r.randint(1, 9999), "stage": "prod",
                        "httpMethod": "POST", "identity": {"sourceIp": "10.0.0.1"},
                        "requestOverride": {"header": {}, "querystring": {}}},
            "stageVariables": {"env": self.pick(["dev", "prod"]), "url": "https://x.example/a b"},
        }

    # ---- expressions ----
    def string_lit(self):
        w = self.pick(WORDS).replace("\n", " ").replace("\t", " ")
        if self.r.random() < 0.5:
            return "'" + w.replace("'", "''") + "'"
        w = w.replace('"', '""').replace("\\", "/")
        if self.r.random() < 0.35:
            w += " $" + self.pick(VARS) + self.pick(["", "!", ""])[:0]
        if self.r.random() < 0.1:
            w = "${" + self.pick(VARS) + "}-" + w
        return '"' + w + '"'

    def number(self):
        if self.r.random() < 0.75:
            return str(self.r.randint(-20, 300))
        return self.pick(["1.5", "0.25", "2.0", "-0.5", "10.75", "3.0E2", "1e-2"])

    def param(self):
        r = self.r.random()
        if r < 0.3:
            return self.string_lit()
        if r < 0.5:
            return self.number()
        if r < 0.75:
            return self.ref(simple=True)
        if r < 0.8:
            return self.pick(["true", "false"])
        if r < 0.88 and self.depth < 3:
            self.depth += 1
            v = "[" + ", ".join(self.param() for _ in range(self.r.randint(0, 3))) + "]"
            self.depth -= 1
            return v
        if r < 0.94 and self.depth < 3:
            self.depth += 1
            v = "{" + ", ".join("%s: %s" % (self.string_lit(), self.param())
                                for _ in range(self.r.randint(0, 3))) + "}"
            self.depth -= 1
            return v
        return "[%d..%d]" % (self.r.randint(-2, 4), self.r.randint(-2, 6))

    def expr(self, depth=0):
        r = self.r.random()
        if depth > 2 or r < 0.45:
            return self.param()
        if r < 0.7:
            op = self.pick(["+", "-", "*", "/", "%", "+", "+"])
            return "%s %s %s" % (self.expr(depth + 1), op, self.expr(depth + 1))
        if r < 0.85:
            op = self.pick(["==", "!=", "<", ">", "<=", ">=", "eq", "ne", "lt", "gt"])
            return "%s %s %s" % (self.expr(depth + 1), op, self.expr(depth + 1))
        if r < 0.93:
            op = self.pick(["&&", "||", "and", "or"])
            return "%s %s %s" % (self.cond(depth + 1), op, self.cond(depth + 1))
        return "(%s)" % self.expr(depth + 1)

    def cond(self, depth=0):
        r = self.r.random()
        if r < 0.3:
            return self.ref(simple=True)
        if r < 0.4:
            return "!" + self.ref(simple=True)
        if r < 0.5:
            return self.pick(["true", "false", "!true", "not false"])
        return self.expr(depth)

    # ---- references ----
    def method(self):
        r = self.r.random()
        if r < 0.55:
            name, args = self.pick([
                ("length", []), ("size", []), ("isEmpty", []), ("toUpperCase", []),
                ("toLowerCase", []), ("trim", []), ("toString", []), ("keySet", []),
                ("entrySet", []), ("values", []), ("hashCode", []),
                ("substring", ["I"]), ("substring", ["I", "I"]), ("indexOf", ["S"]),
                ("lastIndexOf", ["S"]), ("contains", ["S"]), ("startsWith", ["S"]),
                ("endsWith", ["S"]), ("equals", ["P"]), ("replace", ["S", "S"]),
                ("get", ["I"]), ("get", ["S"]), ("containsKey", ["S"]), ("charAt", ["I"]),
                ("concat", ["S"]), ("equalsIgnoreCase", ["S"]), ("indexOf", ["S", "I"]),
                ("add", ["P"]), ("put", ["S", "P"]), ("remove", ["S"]), ("subList", ["I", "I"]),
                ("intValue", []), ("doubleValue", []), ("containsValue", ["P"])])
        else:
            name, args = self.pick([
                ("replaceAll", ["R", "T"]), ("replaceFirst", ["R", "T"]), ("matches", ["R"]),
                ("split", ["R"]), ("split", ["R", "I"])])
        out = []
        for a in args:
            if a == "I":
                out.append(str(self.r.randint(-1, 5)) if self.r.random() < 0.9 else "$n")
            elif a == "S":
                out.append(self.string_lit() if self.r.random() < 0.8 else self.ref(simple=True))
            elif a == "R":
                out.append("'" + self.pick(REGEXES) + "'")
            elif a == "T":
                out.append("'" + self.pick(REPLS) + "'")
            else:
                out.append(self.param())
        call = "%s(%s)" % (name, ", ".join(out))
        if name == "split":
            call += self.pick([".size()", ".get(0)", "[1]", "[-1]"])
        return call

    def builtin(self):
        r = self.r.random()
        if r < 0.3:
            return "$input.path('%s')" % self.pick(PATHS)
        if r < 0.45:
            return "$input.json('%s')" % self.pick(PATHS)
        if r < 0.5:
            return "$input.body"
        if r < 0.6:
            return self.pick(["$input.params('id')", "$input.params('q')", "$input.params('X-Id')",
                              "$input.params('none')", "$input.params().header.Accept",
                              "$input.params().querystring", "$input.params().path.id",
                              "$input.params()"])
        if r < 0.8:
            f = self.pick(["escapeJavaScript", "urlEncode", "base64Encode", "urlDecode",
                           "base64Decode", "parseJson"])
            if f == "base64Decode":
                arg = self.pick(["'aGVsbG8='", "'w6k='", "$util.base64Encode(%s)" % self.string_lit(),
                                 "'!!'"])
            elif f == "parseJson":
                arg = self.pick(["'{\"a\": [1, 2.5, \"x\"], \"b\": {\"c\": null}}'", "'[1,2]'",
                                 "$input.json('$.nested')", "$input.body", "'nope'"])
            elif f == "urlDecode":
                arg = self.pick(["'a+b%20c%2F'", "$util.urlEncode(%s)" % self.string_lit(), "'%zz'"])
            else:
                arg = self.pick([self.string_lit(), "$input.path('$.txt')", "$input.path('$.name')",
                                 "$input.body", "$s"])
            return "$util.%s(%s)" % (f, arg)
        if r < 0.85:
            return "$Integer.parseInt(%s)" % self.pick(["'42'", "'-7'", "$input.params('id')",
                                                         "'x1'", "$input.path('$.n').toString()",
                                                         "$s", "'2147483648'"])
        return self.pick(["$context.requestId", "$context.stage", "$context.identity.sourceIp",
                          "$context.nope", "$stageVariables.env", "$stageVariables.url",
                          "$context.requestOverride.header", "$stageVariables.missing"])

    def ref(self, simple=False):
        r = self.r.random()
        if r < 0.3:
            base = self.builtin()
        elif r < 0.4 and not simple:
            base = self.pick(["$foreach.count", "$foreach.index", "$foreach.hasNext", "$velocityCount",
                              "$foreach.first", "$foreach.last", "$velocityHasNext"])
            return base
        else:
            base = "$" + self.pick(VARS)
        k = self.r.random()
        if k < 0.35:
            base += "." + self.method()
        elif k < 0.5:
            base += "." + self.pick(KEYS + ["key", "value", "empty", "inner"])
        elif k < 0.56:
            base += "[%s]" % self.pick(["0", "1", "-1", "'id'", "'name'", "$n"])
        if simple:
            return base
        form = self.r.random()
        if form < 0.12:
            return "$!" + base[1:]
        if form < 0.2 and base.count("$") == 1 and "(" not in base and "[" not in base:
            return "${" + base[1:] + "}"
        if form < 0.25:
            return "\\" + base
        if form < 0.28:
            return "\\\\" + base
        return base

    # ---- statements ----
    def text(self):
        parts = ["Hello", " ", "  ", "\n", "{", "}", ":", ",", '"', "world", "\t", "x=1;", "(y)",
                 "[z]", "a.b", "\"k\": ", "\n  ", "-", "100%", "é", "# ", "$ ", "$5", "#5", "\\n",
                 "\\ ", "end", "a\r\nb"]
        s = "".join(self.pick(parts) for _ in range(self.r.randint(1, 4)))
        # text that starts with "(", "[" or "{" right after a reference (or a
        # #set lexed in a reference's state) is read by Velocity 1.7 as part
        # of that reference, with results that depend on its lexer's state
        # stack: an accepted divergence, kept out of the generated cases
        return ":" + s if s[0] in "([{" else s

    def indent(self):
        return self.pick(["", "", "", "  ", "\t", "    "])

    def nl(self):
        return self.pick(["", "\n", "\n", " \n", "  ", "\r\n"])

    def block(self, n=None):
        if n is None:
            n = self.r.randint(1, 4)
        return "".join(self.stmt() for _ in range(n))

    def stmt(self):
        self.depth += 1
        try:
            r = self.r.random()
            if self.depth > 3:
                r = r * 0.45
            if r < 0.18:
                return self.text()
            if r < 0.38:
                return self.ref() + self.pick(["", " ", "\n", "", ".", "-x"]) + " "
            if r < 0.52:
                return "%s#set(%s$%s = %s)%s" % (self.indent(), self.pick(["", " "]),
                                                 self.pick(VARS), self.expr(), self.nl())
            if r < 0.56:
                tgt = self.pick(["$m.%s" % self.pick(KEYS), "$m['%s']" % self.pick(KEYS),
                                 "$context.requestOverride.header.X", "$l[0]"])
                return "#set(%s = %s)%s" % (tgt, self.param(), self.nl())
            if r < 0.68:
                s = "%s#if(%s)%s%s" % (self.indent(), self.cond(), self.nl(), self.block())
                for _ in range(self.r.randint(0, 2)):
                    s += "%s#elseif(%s)%s%s" % (self.indent(), self.cond(), self.nl(), self.block())
                if self.r.random() < 0.5:
                    s += "%s%s%s%s" % (self.indent(), self.pick(["#else", "#{else}"]), self.nl(),
                                       self.block())
                return s + "%s%s%s" % (self.indent(), self.pick(["#end", "#{end}"]), self.nl())
            if r < 0.78:
                var = self.pick(["i", "item", "e", "x"])
                src = self.pick(["$input.path('$.tags')", "$input.path('$.items')", "$l", "$m",
                                 "[1..3]", "[3..1]", "$input.path('$.nested')", "['a', 'b', 'c']",
                                 "$m.entrySet()", "$m.keySet()", "$s", "$nope",
                                 "$input.path('$.items[*].name')", "[$n..2]", "$input.path('$.n')"])
                body = self.block()
                if self.r.random() < 0.2:
                    body += "#if($foreach.count > 1)#break#end"
                return "%s#foreach(%s$%s in %s)%s%s%s#end%s" % (
                    self.indent(), self.pick(["", " "]), var, src, self.nl(), body, self.indent(),
                    self.nl())
            if r < 0.82:
                name = self.pick(MACROS)
                if name not in self.macros or self.r.random() < 0.5:
                    params = self.pick([[], ["$p"], ["$p", "$q"]])
                    self.macros[name] = len(params)
                    return "#macro(%s%s)%s%s#end%s" % (
                        name, "".join(" " + p for p in params), self.nl(),
                        self.pick(["[$p]", "<$p|$q>", "m!", "$p.length()", "#set($mv = $p)$mv"]),
                        self.nl())
                args = " ".join(self.param() for _ in range(self.macros[name]))
                return "#%s(%s)%s" % (name, args, self.nl())
            if r < 0.85:
                return self.pick(["## a comment\n", "#* block\n comment *#", "#** doc *#\n",
                                  "#[[ $raw #if ]]#", "##\n"])
            if r < 0.88:
                return "#define($blk)%s#end%s$blk" % (self.block(1), self.nl())
            if r < 0.91:
                return "#evaluate(%s)" % self.pick(["'#set($ev = 3)$ev'", "\"$s\"", "$s",
                                                   "'$a and $b'", "'#if(true)T#end'"])
            if r < 0.93:
                return self.pick(["\\#if", "\\#end", "\\#foo", "\\\\#if(true)x#end", "\\#set($x)",
                                  "#nosuch()", "#nosuch", "#stop", "\\\\\\$a", "$!", "$!{a}", "${b}"])
            if r < 0.96:
                return "#set($%s = [%s])" % (self.pick(["l", "x"]),
                                             ", ".join(self.param() for _ in range(self.r.randint(0, 4))))
            return "#set($%s = {%s})" % (self.pick(["m", "x"]), ", ".join(
                "'%s': %s" % (self.pick(KEYS), self.param()) for _ in range(self.r.randint(0, 3))))
        finally:
            self.depth -= 1

    def template(self):
        self.macros = {}
        if self.r.random() < 0.1:
            return self.pick(REAL)
        pre = ""
        if self.r.random() < 0.7:
            pre += "#set($s = %s)" % self.string_lit()
        if self.r.random() < 0.6:
            pre += "#set($n = %s)" % self.number()
        if self.r.random() < 0.6:
            pre += "#set($l = [%s])" % ", ".join(self.param() for _ in range(self.r.randint(0, 3)))
        if self.r.random() < 0.6:
            pre += "#set($m = {'id': %s, 'name': %s})" % (self.param(), self.string_lit())
        if self.r.random() < 0.3:
            pre += "#set($a = $input.path('%s'))" % self.pick(PATHS)
        if self.r.random() < 0.2:
            pre += "#set($Integer = 0)"
        return pre + self.pick(["", "\n"]) + self.block(self.r.randint(1, 6))


def cases(seed, count):
    rnd = random.Random(seed)
    g = Gen(rnd)
    for _ in range(count):
        yield g.template(), g.request()
