#!/usr/bin/env python3
"""Random Async C program generator for the asyncc differential tester.

    gen.py --seed N [--recursion] [--expr-awaits] [--goto] [--fnptrs]
           [--forms] [--macros] [--names] [-o FILE]

The same seed (and flags) always gives the same program.  Every program:

  * has several `async int` functions calling each other in a DAG (callees
    are defined before callers), with awaits in statement positions: an
    expression statement, a declaration initializer, the right side of `=`
    and of compound assignments, a return operand, gather operands with
    lvalues, to_thread calls;
  * uses nested if/else, for, while, do-while, switch (with fallthrough and
    default), break/continue, nested blocks with shadowed names, and locals
    of several types (int, unsigned, long, double, char arrays, arrays,
    structs, pointers to locals);
  * prints the values it computes, so any divergence shows;
  * terminates quickly (every loop is bounded and a cost budget bounds the
    work of every function, calls included) and has no undefined
    behaviour: arithmetic is unsigned or kept in a small range by masks,
    every index is in bounds, every divisor is nonzero, every variable is
    initialised, doubles are converted through a range-checked helper.

Functions are either "loud" (they print, and may get a pointer to a
caller's local to update) or "quiet" (no output, no pointers, call only
quiet functions).  Only quiet calls run concurrently (gather operands) or
in operands whose order C leaves unspecified (--expr-awaits), so the
transpiled program must print exactly what the erased build prints.

Flags for features of later issues (off by default):
  --expr-awaits  awaits inside expressions, conditions, &&, ||, ?:, function
                 arguments, for headers and switch controlling expressions
  --goto         forward gotos out of work and backward gotos as loops
  --recursion    a pair of mutually recursive async functions with a depth
                 parameter (frames go to the heap)
  --fnptrs       pointers to async functions: a typedef and a table of
                 pointers per function, calls through the table, through
                 (*p), (&f) and through pointer locals
  --forms        composed forms: gather, with_timeout and to_thread nested
                 in each other up to three deep, with lvalues at every
                 level, as await operands and as spawn operands
  --macros       awaits inside macros: a macro whose body awaits, an await
                 as a macro argument, a statement-like macro whose block
                 awaits
  --names        locals named like generated code or the runtime (co, sub,
                 state, ret, tmp_1, resume_1, ac_f, ac_return, ac_await...)
"""

import argparse
import random
import re
import sys

INT_MASK = "0xffffu"        # int locals stay in [0, 0xffff]
RESERVED = ["co", "sub", "state", "ret", "tmp_1", "resume_1", "ac_f", "ac_co",
            "ac_return", "ac_await", "ac_frame_alloc", "a1"]
LONG_MASK = "0xffffffffL"   # long locals stay in [0, 2^32)
CALL_BUDGET = 2000          # max estimated work of one function, calls included
PRINT_COST = 3


def is_const(e):
    """True when an expression reads no variable (compilers warn about
    constant conditions and constant switches)."""
    e = e.replace("MIX", "").replace("KSEED", "")
    return re.fullmatch(r"[0-9u()\s+\-*^|&<>/%,]+", e) is not None


class Var:
    """A variable in scope.  kind: int, unsigned, long, double, str (char[8]),
    arr (unsigned[4]), struct (struct S), iptr (int * to an int object),
    loop (an int loop counter, read-only), fptr (a pointer to the async
    function `target`, a Func; --fnptrs)."""

    _next_id = 0

    def __init__(self, name, kind, target=None):
        self.name = name
        self.kind = kind
        self.target = target      # for iptr: the Var it points to
        Var._next_id += 1
        self.uid = Var._next_id


class Func:
    def __init__(self, idx, name, params, quiet, has_acc, recursive=False):
        self.idx = idx
        self.name = name
        self.params = params      # list of (name, kind)
        self.quiet = quiet
        self.has_acc = has_acc    # last parameter: unsigned *acc
        self.recursive = recursive
        self.cost = 1


class Ctx:
    """Where the statement being generated sits."""

    def __init__(self, func, budget):
        self.func = func
        self.mult = 1             # how many times this point runs per call
        self.loop_depth = 0
        self.in_switch = False    # innermost breakable is a switch
        self.switch_nest = 0      # switches around this point
        self.budget = budget
        self.spent = 0
        self.scopes = [[]]        # list of lists of Var
        self.depth = 0            # block nesting
        self.rec_sites = 0


class Gen:
    def __init__(self, seed, expr_awaits=False, goto=False, recursion=False,
                 fnptrs=False, forms=False, macros=False, names=False):
        self.r = random.Random(seed)
        self.seed = seed
        self.expr_awaits = expr_awaits
        self.goto = goto
        self.recursion = recursion
        self.fnptrs = fnptrs
        self.forms = forms
        self.macros = macros
        self.names = names
        self.funcs = []
        self.label_no = 0
        self.tmp_no = 0
        self.out = []

    # ---------------------------------------------------------------- utils
    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def fresh(self, prefix):
        self.tmp_no += 1
        return "%s%d" % (prefix, self.tmp_no)

    def visible(self, ctx):
        """Innermost Var for every name in scope."""
        seen = {}
        for scope in ctx.scopes:
            for v in scope:
                seen[v.name] = v
        return list(seen.values())

    def vars_of(self, ctx, *kinds):
        return [v for v in self.visible(ctx) if v.kind in kinds]

    def charge(self, ctx, units):
        ctx.spent += units * ctx.mult
        return ctx.spent <= ctx.budget

    def affordable(self, ctx, units):
        return ctx.spent + units * ctx.mult <= ctx.budget

    # ---------------------------------------------------------- expressions
    def atom(self, ctx, avoid=(), allow_await=True):
        """An unsigned-valued atom.  avoid: uids of objects not to read."""
        r = self.r
        cands = [v for v in self.visible(ctx) if v.uid not in avoid and v.kind != "fptr" and
                 not (v.kind == "iptr" and v.target.uid in avoid)]
        choice = r.random()
        if allow_await and self.expr_awaits and choice < 0.12:
            call = self.quiet_call(ctx, avoid)
            if call:
                return "(unsigned)(await %s)" % call
        if not cands or choice < 0.25:
            c = r.randint(0, 300)
            if c in (2, 10):
                c += 1      # clang: "10u ^ 3u" looks like a power
            return "%du" % c
        v = self.pick(cands)
        k = v.kind
        if k in ("int", "long", "loop"):
            return "(unsigned)%s" % v.name
        if k in ("unsigned", "cu"):
            return v.name
        if k == "double":
            return "dcv(%s)" % v.name
        if k == "str":
            return "(unsigned)(unsigned char)%s[%d]" % (v.name, r.randint(0, 7))
        if k == "arr":
            return "%s[%d]" % (v.name, r.randint(0, 3))
        if k == "struct":
            f = self.pick(["a", "b", "c", "t"])
            if f == "a":
                return "(unsigned)%s.a" % v.name
            if f == "b":
                return "%s.b" % v.name
            if f == "c":
                return "dcv(%s.c)" % v.name
            return "(unsigned)(unsigned char)%s.t[%d]" % (v.name, r.randint(0, 3))
        if k == "iptr":
            return "(unsigned)*%s" % v.name
        raise AssertionError(k)

    def expr(self, ctx, depth=0, avoid=(), allow_await=True):
        """A side-effect-free unsigned expression (awaits of quiet
        functions only, with --expr-awaits)."""
        r = self.r
        if depth >= 2 or self.chance(0.35):
            return self.atom(ctx, avoid, allow_await)
        a = self.expr(ctx, depth + 1, avoid, allow_await)
        b = self.expr(ctx, depth + 1, avoid, allow_await)
        if "await" not in a + b and self.chance(0.1):
            # a function-like macro over frame locals (never around an
            # await: that is rejected by design)
            return "MIX(%s, %s)" % (a, b)
        if "await" not in a and self.chance(0.05):
            return "(%s ^ KSEED)" % a
        op = self.pick(["+", "-", "*", "^", "|", "&", ">>", "<<", "/", "%"])
        if op in (">>", "<<"):
            return "(%s %s %du)" % (a, op, r.randint(0, 31))
        if op in ("/", "%"):
            return "(%s %s (%s | 1u))" % (a, op, b)
        return "(%s %s %s)" % (a, op, b)

    def cond(self, ctx, allow_await=True):
        """A condition that reads at least one variable (no constant
        conditions: compilers warn about them)."""
        r = self.r
        e = self.expr(ctx, 1, allow_await=allow_await)
        if is_const(e):
            e = "(%s + h)" % e     # a constant condition draws warnings
        form = r.randint(0, 3)
        if form == 0:
            c = "(%s %% %du) == 0u" % (e, r.randint(2, 5))
        elif form == 1:
            c = "(%s & %du) != 0u" % (e, r.choice([1, 2, 4, 8, 16]))
        elif form == 2:
            c = "%s > %du" % (e, r.randint(1, 200))  # < 255: no type-limits warning
        else:
            c = "(%s %% 7u) < %du" % (e, r.randint(1, 6))
        if self.expr_awaits and allow_await and self.chance(0.3):
            call = self.any_call(ctx)
            if call:
                op = self.pick(["&&", "||"])
                c2 = "((unsigned)(await %s) %% %du) == 0u" % (call, r.randint(2, 4))
                c = "(%s) %s %s" % (c, op, c2)
        return c

    def int_of(self, e):
        return "(int)(%s & %s)" % (e, INT_MASK)

    def kind_value(self, ctx, kind, avoid=(), allow_await=True):
        """An expression of the given scalar kind, within its range."""
        e = self.expr(ctx, 0, avoid, allow_await)
        if kind == "int":
            return self.int_of(e)
        if kind == "unsigned":
            return e
        if kind == "long":
            return "(long)%s" % e
        if kind == "double":
            return "((double)(%s %% 1000u) * 0.5)" % e
        raise AssertionError(kind)

    # ---------------------------------------------------------------- calls
    def callees(self, ctx, quiet_only, avoid=()):
        me = ctx.func
        out = []
        for f in self.funcs:
            if f.idx >= me.idx and not f.recursive:
                continue
            if f.recursive and (me.recursive or not self.recursion):
                continue
            if quiet_only and not f.quiet:
                continue
            if me.quiet and not f.quiet:
                continue
            if f.has_acc and not self.acc_targets(ctx, avoid):
                continue
            if not self.affordable(ctx, f.cost + 1):
                continue
            out.append(f)
        return out

    def acc_targets(self, ctx, avoid=()):
        t = []
        for v in self.visible(ctx):
            if v.uid in avoid:
                continue
            if v.kind == "unsigned":
                t.append("&%s" % v.name)
            elif v.kind == "arr":
                t.append("&%s[%d]" % (v.name, self.r.randint(0, 3)))
            elif v.kind == "struct":
                t.append("&%s.b" % v.name)
        return t

    def args_for(self, ctx, f, avoid=(), allow_await=True):
        args = []
        for _, kind in f.params:
            if kind == "struct":
                ss = [v for v in self.vars_of(ctx, "struct") if v.uid not in avoid]
                if ss:
                    args.append(self.pick(ss).name)
                else:
                    args.append("mk_s(%s)" % self.expr(ctx, 1, avoid, allow_await))
            elif kind == "depth":
                args.append("%d" % self.r.randint(1, 4))
            else:
                args.append(self.kind_value(ctx, kind, avoid, allow_await))
        if f.has_acc:
            args.append(self.pick(self.acc_targets(ctx, avoid)))
        return args

    def call_text(self, ctx, f, avoid=(), allow_await=True):
        self.charge(ctx, f.cost + 1)
        callee = self.callee(ctx, f)
        return "%s(%s)" % (callee, ", ".join(self.args_for(ctx, f, avoid, allow_await)))

    def callee(self, ctx, f):
        """How a call names f: by name, or (--fnptrs) through its table, a
        pointer local, (*p) or (&f).  Every form reaches f itself."""
        if not self.fnptrs or f.recursive or not self.chance(0.4):
            return f.name
        ptrs = [v.name for v in self.vars_of(ctx, "fptr") if v.target is f]
        if ptrs and self.chance(0.5):
            p = self.pick(ptrs)
            return p if self.chance(0.7) else "(*%s)" % p
        return self.pick(["%s_tab[h & 1u]", "(*%s_tab[0])", "(&%s)", "%s_tab[1]",
                          "(*%s)"]) % f.name

    def quiet_call(self, ctx, avoid=()):
        cs = self.callees(ctx, True)
        if not cs:
            return None
        return self.call_text(ctx, self.pick(cs), avoid, allow_await=False)

    def any_call(self, ctx):
        cs = self.callees(ctx, False)
        if not cs:
            return None
        return self.call_text(ctx, self.pick(cs), allow_await=False)

    def rec_call(self, ctx):
        """A call to a member of the recursion group with depth - 1."""
        group = [f for f in self.funcs if f.recursive]
        f = self.pick(group)
        args = ["depth - 1"] + self.args_for(ctx, f)[1:]
        return "%s(%s)" % (f.name, ", ".join(args))

    # ----------------------------------------------------------- lvalues
    def lvalues(self, ctx):
        """Assignable places: (text, kind, uid, part)."""
        out = []
        for v in self.visible(ctx):
            k = v.kind
            if k in ("int", "unsigned", "long", "double"):
                out.append((v.name, k, v.uid, None))
            elif k == "arr":
                i = self.r.randint(0, 3)
                out.append(("%s[%d]" % (v.name, i), "unsigned", v.uid, i))
            elif k == "struct":
                out.append(("%s.a" % v.name, "int", v.uid, "a"))
                out.append(("%s.b" % v.name, "unsigned", v.uid, "b"))
                out.append(("%s.c" % v.name, "double", v.uid, "c"))
            elif k == "iptr":
                out.append(("*%s" % v.name, "int", v.target.uid, None))
        return out

    def fixup(self, text, kind, op):
        """Statement that brings an lvalue back into its range after op=."""
        if kind == "int" and op in ("+=", "-="):
            return "%s &= 0xffff;" % text
        if kind == "long" and op in ("+=", "-=", "*="):
            return "%s &= %s;" % (text, LONG_MASK)
        return None

    # --------------------------------------------------------- statements
    def emit(self, lines, ind, text):
        lines.append("    " * ind + text)

    def declare(self, ctx, lines, ind, kind=None, init=None):
        """Declare a new local in the current scope; names repeat across
        scopes so that shadowing happens."""
        kind = kind or self.pick(["int", "unsigned", "long", "double", "str",
                                  "arr", "struct", "iptr", "unsigned", "int",
                                  "cu"] + (["fptr", "fptr"] if self.fnptrs else []))
        if kind == "fptr":
            cs = [f for f in self.callees(ctx, False) if not f.recursive]
            if not cs:
                kind = "int"
            else:
                f = self.pick(cs)
                init = self.pick(["%s", "&%s", "%s_tab[h & 1u]"]) % f.name
                name = self.new_name(ctx, init)
                decl = ("%s_fn *%s" % (f.name, name) if self.chance(0.6) else
                        self.proto(f, "(*%s)" % name))
                self.emit(lines, ind, "%s = %s;" % (decl, init))
                ctx.scopes[-1].append(Var(name, "fptr", f))
                return
        if kind == "iptr":
            ints = [v for v in self.visible(ctx) if v.kind == "int"]
            if not ints:
                kind = "int"
            else:
                tgt = self.pick(ints)
                name = self.new_name(ctx, "&" + tgt.name)
                self.emit(lines, ind, "int *%s = &%s;" % (name, tgt.name))
                ctx.scopes[-1].append(Var(name, "iptr", tgt))
                return
        if init is None:
            if kind in ("int", "unsigned", "long", "double"):
                init = self.kind_value(ctx, kind)
            elif kind == "cu":
                init = self.kind_value(ctx, "unsigned")
                if is_const(init):
                    # gcc 12 misreads shifts of a constant-folded const
                    # unsigned as "left shift of negative value"
                    init = "(%s + h)" % init
            elif kind == "str":
                init = '"%s"' % "".join(self.pick("abcdefghij") for _ in range(7))
            elif kind == "arr":
                init = "{ %s }" % ", ".join(self.expr(ctx, 1) for _ in range(4))
            elif kind == "struct":
                init = "{ %s, %s, %s, \"%s\" }" % (
                    self.int_of(self.expr(ctx, 1)), self.expr(ctx, 1),
                    "(double)(%s %% 100u)" % self.expr(ctx, 1),
                    "".join(self.pick("pqrs") for _ in range(3)))
        name = self.new_name(ctx, init)
        ctype = {"int": "int %s", "unsigned": "unsigned %s", "long": "long %s",
                 "double": "double %s", "str": "char %s[8]",
                 "arr": "unsigned %s[4]", "struct": "struct S %s",
                 "cu": "const unsigned %s"}[kind]
        if kind == "unsigned" and self.chance(0.3):
            ctype = "u32_t %s"      # a typedef name
        elif kind == "long" and self.chance(0.3):
            ctype = "count_t %s"
        scalar = kind in ("int", "unsigned", "long", "double")
        if scalar and self.chance(0.12):
            # declared without an initializer, assigned right after
            self.emit(lines, ind, "%s;" % (ctype % name))
            self.emit(lines, ind, "%s = %s;" % (name, init))
            ctx.scopes[-1].append(Var(name, kind))
            return
        if scalar and "await" not in init and self.chance(0.12):
            # two declarators; the second may await.  Neither initializer
            # names a new variable.
            init2 = (self.kind_value(ctx, kind) if self.chance(0.5) else
                     "await %s" % self.await_operand(ctx)[0])
            if re.search(r"\b%s\b" % name, init2):
                name = self.fresh("t")
            ctx.scopes[-1].append(Var(name, kind))
            name2 = self.new_name(ctx, init2)
            self.emit(lines, ind, "%s = %s, %s = %s;" % (ctype % name, init, name2, init2))
            ctx.scopes[-1].append(Var(name2, kind))
            return
        self.emit(lines, ind, "%s = %s;" % (ctype % name, init))
        ctx.scopes[-1].append(Var(name, kind))

    def new_name(self, ctx, init):
        """A name for a new local.  Names repeat across scopes so that
        shadowing happens, but never within one scope, and never a name the
        initializer reads: there it would already mean the new variable."""
        for _ in range(6):
            if self.names and self.chance(0.25):
                name = self.pick(RESERVED)
            else:
                name = self.pick(["x", "y", "z", "u", "v", "k"]) + str(self.r.randint(0, 3))
            if any(v.name == name for v in ctx.scopes[-1]):
                continue
            if re.search(r"\b%s\b" % name, init):
                continue
            return name
        return self.fresh("t")

    def use_all(self, ctx, lines, ind, scope):
        """Fold every variable of a scope into h, so none is unused and all
        of them influence the result."""
        parts = []
        for v in scope:
            k = v.kind
            if k in ("int", "long", "loop"):
                parts.append("(unsigned)%s" % v.name)
            elif k in ("unsigned", "cu"):
                parts.append(v.name)
            elif k == "double":
                parts.append("dcv(%s)" % v.name)
            elif k == "str":
                parts.append("str_sum(%s)" % v.name)
            elif k == "arr":
                parts.append("(%s[0] ^ %s[1] ^ %s[2] ^ %s[3])" % ((v.name,) * 4))
            elif k == "struct":
                parts.append("s_sum(%s)" % v.name)
            elif k == "iptr":
                parts.append("(unsigned)*%s" % v.name)
            elif k == "fptr":
                parts.append("(unsigned)(%s == %s_tab[0])" % (v.name, v.target.name))
        if parts:
            self.emit(lines, ind, "h = h * 31u + (%s);" % " + ".join(parts))

    def print_vars(self, ctx, lines, ind, tag):
        vs = self.visible(ctx)
        self.r.shuffle(vs)
        vs = vs[:4]
        fmt = ["%s@%s" % (ctx.func.name, tag), "h=%u"]
        args = ["h"]
        for v in vs:
            k = v.kind
            if k in ("int", "loop"):
                fmt.append("%s=%%d" % v.name)
                args.append(v.name)
            elif k in ("unsigned", "cu"):
                fmt.append("%s=%%u" % v.name)
                args.append(v.name)
            elif k == "long":
                fmt.append("%s=%%ld" % v.name)
                args.append(v.name)
            elif k == "double":
                fmt.append("%s=%%.3f" % v.name)
                args.append(v.name)
            elif k == "str":
                fmt.append("%s=%%s" % v.name)
                args.append(v.name)
            elif k == "arr":
                fmt.append("%s=%%u,%%u,%%u,%%u" % v.name)
                args.extend("%s[%d]" % (v.name, i) for i in range(4))
            elif k == "struct":
                fmt.append("%s={%%d,%%u,%%.2f,%%s}" % v.name)
                args.extend("%s.%s" % (v.name, f) for f in "abct")
            elif k == "iptr":
                fmt.append("*%s=%%d" % v.name)
                args.append("*%s" % v.name)
        self.emit(lines, ind, 'printf("%s\\n", %s);' % (" ".join(fmt), ", ".join(args)))

    def stmt_assign(self, ctx, lines, ind):
        lvs = self.lvalues(ctx)
        if not lvs or self.chance(0.2):
            self.emit(lines, ind, "h ^= %s;" % self.expr(ctx))
            return
        text, kind, _, _ = self.pick(lvs)
        val = self.kind_value(ctx, kind)
        if val == text:
            val = "%s + 1u" % val   # self-assignment draws a warning
        self.emit(lines, ind, "%s = %s;" % (text, val))

    def stmt_str(self, ctx, lines, ind):
        ss = self.vars_of(ctx, "str")
        if not ss:
            return self.stmt_assign(ctx, lines, ind)
        s = self.pick(ss)
        self.emit(lines, ind, "%s[%d] = (char)('a' + (%s %% 26u));"
                  % (s.name, self.r.randint(0, 6), self.expr(ctx, 1)))

    def await_operand(self, ctx, avoid=()):
        """A call to await: another async function, or a runtime leaf.
        avoid: objects the callee must not get a pointer to (the lvalue of
        a compound assignment: its read and the callee's write through the
        pointer are indeterminately sequenced in C)."""
        cs = self.callees(ctx, False, avoid)
        if cs and self.chance(0.85):
            return self.call_text(ctx, self.pick(cs), avoid), "int"
        self.charge(ctx, 1)
        if self.chance(0.7):
            return "ac_yield()", "int"
        return "ac_sleep(0)", "int"

    def stmt_await(self, ctx, lines, ind):
        r = self.r
        form = r.randint(0, 9)
        if 5 <= form <= 8:
            return self.stmt_await_compound(ctx, lines, ind)
        call, _ = self.await_operand(ctx)
        if form == 0:
            self.emit(lines, ind, "%s;" % self.aw(call))
        elif form <= 2:
            kind = self.pick(["int", "unsigned", "long", "double"])
            self.declare(ctx, lines, ind, kind, self.aw(call))
        elif form <= 4:
            lvs = self.lvalues(ctx)
            if not lvs:
                self.emit(lines, ind, "%s;" % self.aw(call))
                return
            text, kind, _, _ = self.pick(lvs)
            self.emit(lines, ind, "%s = %s;" % (text, self.aw(call)))
        else:
            # awaits of runtime leaves, result checked
            self.emit(lines, ind, "h += (unsigned)(await %s);" % call
                      if self.expr_awaits else "await %s;" % call)

    def aw(self, call):
        """`await call`, or (--macros) the same through a macro."""
        if self.macros and self.chance(0.3):
            return "AWAIT_OF(%s)" % call
        return "await %s" % call

    def stmt_macro(self, ctx, lines, ind):
        """--macros: an await as a macro argument, in a macro's body, and in
        the block of a statement-like macro."""
        form = self.r.randint(0, 2)
        if form == 0:
            call, _ = self.await_operand(ctx)
            self.emit(lines, ind, "KEEP(await %s);" % call)
        elif form == 1:
            self.charge(ctx, 1)
            self.emit(lines, ind, "h += (unsigned)YIELD0;")
        else:
            n = self.r.randint(1, 3)
            saved = ctx.mult
            ctx.mult *= n
            call, _ = self.await_operand(ctx)
            ctx.mult = saved
            self.emit(lines, ind, "TIMES(%d) {" % n)
            self.emit(lines, ind + 1, "h += (unsigned)(await %s) + (unsigned)times_;" % call)
            self.emit(lines, ind, "}")

    def stmt_await_compound(self, ctx, lines, ind):
        lvs = self.lvalues(ctx)
        if not lvs:
            call, _ = self.await_operand(ctx)
            self.emit(lines, ind, "await %s;" % call)
            return
        text, kind, uid, _ = self.pick(lvs)
        call, _ = self.await_operand(ctx, avoid={uid})
        ops = {"int": ["+=", "-=", "|=", "^=", "&=", "/=", "%=", ">>="],
               "unsigned": ["+=", "-=", "*=", "|=", "^=", "&=", "/=", "%=",
                            "<<=", ">>="],
               "long": ["+=", "-=", "*=", "|=", "^=", "&=", "/=", "%="],
               "double": ["+=", "-=", "/="]}[kind]
        op = self.pick(ops)
        if op in ("<<=", ">>="):
            # the shift count must be below the width: shf returns 0..7
            self.charge(ctx, 2)
            call = "shf(%s)" % self.expr(ctx, 1)
        if call.startswith("ac_") and op in ("/=", "%="):
            op = "+="   # ac_yield and ac_sleep return 0
        self.emit(lines, ind, "%s %s await %s;" % (text, op, call))
        fix = self.fixup(text, kind, op)
        if fix:
            self.emit(lines, ind, fix)

    def stmt_gather(self, ctx, lines, ind):
        cs = self.callees(ctx, True)
        if not cs:
            return self.stmt_await(ctx, lines, ind)
        if self.forms and self.chance(0.5):
            lvs = self.lvalues(ctx)
            self.r.shuffle(lvs)
            used = []
            tree = self.form_tree(ctx, lvs, used, 0, "gather")
            self.emit(lines, ind, "await %s;" % self.render(ctx, tree, {u for u, _ in used}))
            return
        n = self.r.randint(1, 4)
        used = []          # (uid, part) written by this gather
        avoid = set()
        operands = []
        lvs = self.lvalues(ctx)
        self.r.shuffle(lvs)
        for _ in range(n):
            cs = self.callees(ctx, True)
            if not cs:
                break
            f = self.pick(cs)
            lv = None
            while lvs and self.chance(0.8):
                cand = lvs.pop()
                clash = any(u == cand[2] and (p is None or cand[3] is None or p == cand[3])
                            for u, p in used)
                if not clash:
                    lv = cand
                    break
            if lv:
                used.append((lv[2], lv[3]))
                avoid.add(lv[2])
            operands.append((f, lv))
        if not operands:
            return self.stmt_await(ctx, lines, ind)
        # Arguments never read an object that an operand writes: the
        # transpiled gather evaluates every argument before any store,
        # the erased one interleaves them.
        texts = []
        for f, lv in operands:
            call = self.call_text(ctx, f, avoid, allow_await=False)
            texts.append("%s = %s" % (lv[0], call) if lv else call)
        if self.chance(0.4):
            name = self.fresh("rc")
            self.emit(lines, ind, "int %s = await gather(%s);" % (name, ", ".join(texts)))
            self.emit(lines, ind, "h += (unsigned)%s;" % name)
        else:
            self.emit(lines, ind, "await gather(%s);" % ", ".join(texts))

    # ------------------------------------------------- composed forms
    def take_lvalue(self, lvs, used, kinds):
        """An lvalue of one of kinds that no other operand of the statement
        writes (nor a part of, nor the whole of), or None."""
        for i in range(len(lvs) - 1, -1, -1):
            cand = lvs[i]
            if cand[1] not in kinds:
                continue
            if any(u == cand[2] and (p is None or cand[3] is None or p == cand[3])
                   for u, p in used):
                continue
            del lvs[i]
            used.append((cand[2], cand[3]))
            return cand[0]
        return None

    def form_tree(self, ctx, lvs, used, depth, want=None):
        """A tree of quiet operands: ("call", lv, f), ("thread", lv),
        ("timeout", lv, child), ("gather", lv, [children]).  Every lvalue
        is distinct (used collects them); results: a call 1..32767, a
        gather and a with_timeout 0 (the deadline is never reached), a
        to_thread of mix2 any unsigned, so only unsigned, long and double
        places take it."""
        r = self.r
        kind = want
        if kind is None:
            kind = "call"
            if depth < 3 and self.affordable(ctx, 20):
                kind = self.pick(["call", "call", "thread", "timeout", "gather"])
        cs = self.callees(ctx, True)
        if kind == "call" and not cs:
            kind = "thread"
        lv = None
        if depth > 0 and self.chance(0.6):
            lv = self.take_lvalue(lvs, used, ("unsigned", "long", "double") if kind == "thread"
                                  else ("int", "unsigned", "long", "double"))
        if kind == "call":
            return ("call", lv, self.pick(cs))
        if kind == "thread":
            self.charge(ctx, 2)
            return ("thread", lv)
        if kind == "timeout":
            self.charge(ctx, 1)
            return ("timeout", lv, self.form_tree(ctx, lvs, used, depth + 1))
        self.charge(ctx, 1)
        kids = [self.form_tree(ctx, lvs, used, depth + 1) for _ in range(r.randint(1, 3))]
        return ("gather", lv, kids)

    def render(self, ctx, t, avoid):
        """The text of a tree; no argument reads an object in avoid (the
        transpiled forms evaluate every argument before any operand runs;
        the erased ones interleave)."""
        if t[0] == "call":
            text = self.call_text(ctx, t[2], avoid, allow_await=False)
        elif t[0] == "thread":
            text = "to_thread(mix2, %s, %s)" % (self.expr(ctx, 1, avoid, False),
                                                self.expr(ctx, 1, avoid, False))
        elif t[0] == "timeout":
            text = "with_timeout(100000, %s)" % self.render(ctx, t[2], avoid)
        else:
            text = "gather(%s)" % ", ".join(self.render(ctx, k, avoid) for k in t[2])
        return "%s = %s" % (t[1], text) if t[1] else text

    def stmt_forms(self, ctx, lines, ind):
        """--forms: await with_timeout(MS, TREE), or await of a gather
        tree, the result kept or not."""
        lvs = self.lvalues(ctx)
        self.r.shuffle(lvs)
        used = []
        if self.chance(0.3):
            # a deadline around one call, loud ones too: it runs alone
            lv = self.take_lvalue(lvs, used, ("int", "unsigned", "long", "double"))
            avoid = {u for u, _ in used}
            cs = self.callees(ctx, False, avoid)
            call = (self.call_text(ctx, self.pick(cs), avoid, allow_await=False) if cs
                    else "ac_yield()")
            text = "with_timeout(100000, %s)" % ("%s = %s" % (lv, call) if lv else call)
        else:
            tree = self.form_tree(ctx, lvs, used, 0, self.pick(["timeout", "gather"]))
            text = self.render(ctx, tree, {u for u, _ in used})
        if self.chance(0.5):
            name = self.fresh("rc")
            self.emit(lines, ind, "int %s = await %s;" % (name, text))
            self.emit(lines, ind, "h += (unsigned)%s;" % name)
        else:
            self.emit(lines, ind, "await %s;" % text)

    def stmt_spawn(self, ctx, lines, ind):
        """--forms: a task group whose children are trees, joined at once
        (between spawn and join nothing reads what a child writes)."""
        lvs = self.lvalues(ctx)
        self.r.shuffle(lvs)
        used = []
        trees = []
        for _ in range(self.r.randint(1, 3)):
            if not self.affordable(ctx, 10):
                break
            t = self.form_tree(ctx, lvs, used, 0)
            if t[1] is None and self.chance(0.6):
                # the child's own result to a place: spawn(G, x = ...)
                lv = self.take_lvalue(lvs, used, ("unsigned", "long", "double") if t[0] == "thread"
                                      else ("int", "unsigned", "long", "double"))
                t = (t[0], lv) + t[2:]
            trees.append(t)
        if not trees:
            return self.stmt_assign(ctx, lines, ind)
        avoid = {u for u, _ in used}
        g = self.fresh("grp")
        self.emit(lines, ind, "{")
        self.emit(lines, ind + 1, "ac_group %s;" % g)
        self.emit(lines, ind + 1, "ac_group_init(&%s);" % g)
        for t in trees:
            self.emit(lines, ind + 1, "spawn(&%s, %s);" % (g, self.render(ctx, t, avoid)))
        self.emit(lines, ind + 1, "await ac_join(&%s);" % g)
        self.emit(lines, ind, "}")

    def stmt_fptr(self, ctx, lines, ind):
        """--fnptrs: point a pointer local elsewhere (at the same function:
        its table holds it twice), or declare one."""
        ps = self.vars_of(ctx, "fptr")
        if not ps or self.chance(0.3):
            return self.declare(ctx, lines, ind, "fptr")
        p = self.pick(ps)
        self.emit(lines, ind, "%s = %s;" % (p.name, self.pick(["%s_tab[h & 1u]", "&%s", "%s"])
                                            % p.target.name))

    def stmt_to_thread(self, ctx, lines, ind):
        r = self.r
        self.charge(ctx, 2)
        form = r.randint(0, 3)
        if form == 0:
            lvs = [l for l in self.lvalues(ctx) if l[1] == "unsigned"]
            tgt = self.pick(lvs)[0] if lvs else None
            call = "to_thread(mix2, %s, %s)" % (self.expr(ctx, 1), self.expr(ctx, 1))
            if tgt:
                self.emit(lines, ind, "%s = await %s;" % (tgt, call))
            else:
                self.declare(ctx, lines, ind, "unsigned", "await " + call)
        elif form == 1:
            self.declare(ctx, lines, ind, "double",
                         "await to_thread(dmix, %s, %s)" % (
                             self.kind_value(ctx, "double"), self.kind_value(ctx, "int")))
        elif form == 2:
            ss = self.vars_of(ctx, "struct")
            if ss:
                s = self.pick(ss)
                self.emit(lines, ind, "%s = await to_thread(smix, %s, %s);"
                          % (s.name, s.name, self.expr(ctx, 1)))
            else:
                self.declare(ctx, lines, ind, "struct",
                             "await to_thread(smix, mk_s(%s), %s)" % (
                                 self.expr(ctx, 1), self.expr(ctx, 1)))
        else:
            tg = self.acc_targets(ctx)
            if tg:
                self.emit(lines, ind, "await to_thread(vstore, %s, %s);"
                          % (self.pick(tg), self.expr(ctx, 1)))
            else:
                self.emit(lines, ind, "h = await to_thread(mix2, h, %s);" % self.expr(ctx, 1))

    def stmt_if(self, ctx, lines, ind):
        self.emit(lines, ind, "if (%s) {" % self.cond(ctx))
        self.block_body(ctx, lines, ind + 1)
        if self.chance(0.5):
            if self.chance(0.3):
                self.emit(lines, ind, "} else if (%s) {" % self.cond(ctx))
                self.block_body(ctx, lines, ind + 1)
            self.emit(lines, ind, "} else {")
            self.block_body(ctx, lines, ind + 1)
        self.emit(lines, ind, "}")

    def loop_body(self, ctx, lines, ind, count, pre=None, counter=None):
        saved = (ctx.mult, ctx.in_switch)
        ctx.mult *= count
        ctx.loop_depth += 1
        ctx.in_switch = False
        ctx.scopes.append([])
        if counter:
            ctx.scopes[-1].append(counter)
        if pre:
            self.emit(lines, ind, pre)
        self.block_body(ctx, lines, ind, new_scope=False)
        ctx.scopes.pop()
        ctx.loop_depth -= 1
        ctx.mult, ctx.in_switch = saved

    def loop_count(self, ctx):
        for _ in range(4):
            n = self.r.randint(1, 6)
            if self.affordable(ctx, n * 4):
                return n
        return 1

    def stmt_for(self, ctx, lines, ind):
        n = self.loop_count(ctx)
        i = self.fresh("i")
        if self.expr_awaits and self.chance(0.2):
            call = self.quiet_call(ctx)
            if call:
                self.emit(lines, ind, "for (int %s = (int)((unsigned)(await %s) %% 2u); %s < %d; %s++) {"
                          % (i, call, i, n, i))
                self.loop_body(ctx, lines, ind + 1, n, counter=Var(i, "loop"))
                self.emit(lines, ind, "}")
                return
        step = "%s++" % i
        if self.expr_awaits and self.chance(0.2):
            saved = ctx.mult
            ctx.mult *= n
            call = self.quiet_call(ctx)
            ctx.mult = saved
            if call:
                # an await in the increment clause: steps of 1 or 2
                step = "%s += 1 + (int)((unsigned)(await %s) %% 2u)" % (i, call)
        self.emit(lines, ind, "for (int %s = 0; %s < %d; %s) {" % (i, i, n, step))
        self.loop_body(ctx, lines, ind + 1, n, counter=Var(i, "loop"))
        self.emit(lines, ind, "}")

    def stmt_while(self, ctx, lines, ind):
        # the counter is bumped first so that continue cannot skip it
        n = self.loop_count(ctx)
        w = self.fresh("wc")
        self.emit(lines, ind, "int %s = 0;" % w)
        ctx.scopes[-1].append(Var(w, "loop"))
        c = "%s < %d" % (w, n)
        if self.expr_awaits and self.chance(0.3):
            saved = ctx.mult
            ctx.mult *= n + 1    # the condition runs n + 1 times
            call = self.any_call(ctx)
            ctx.mult = saved
            if call:
                c = "%s && (await %s) > 0" % (c, call)
        self.emit(lines, ind, "while (%s) {" % c)
        self.loop_body(ctx, lines, ind + 1, n, pre="%s++;" % w)
        self.emit(lines, ind, "}")

    def stmt_do(self, ctx, lines, ind):
        n = self.loop_count(ctx)
        d = self.fresh("d")
        self.emit(lines, ind, "int %s = 0;" % d)
        ctx.scopes[-1].append(Var(d, "loop"))
        self.emit(lines, ind, "do {")
        self.loop_body(ctx, lines, ind + 1, n, pre="%s++;" % d)
        c = "%s < %d" % (d, n)
        if self.expr_awaits and self.chance(0.3):
            saved = ctx.mult
            ctx.mult *= n
            call = self.quiet_call(ctx)
            ctx.mult = saved
            if call:
                c = "(await %s) > 0 && %s" % (call, c)
        self.emit(lines, ind, "} while (%s);" % c)

    def stmt_switch(self, ctx, lines, ind):
        r = self.r
        ncase = r.randint(2, 4)
        e = self.expr(ctx, 1)
        if is_const(e):
            e = "(%s + h)" % e     # a constant switch draws warnings
        ctl = "%s %% %du" % (e, ncase + 1)
        if self.expr_awaits and self.chance(0.3):
            call = self.quiet_call(ctx)
            if call:
                ctl = "(unsigned)(await %s) %% %du" % (call, ncase + 1)
        self.emit(lines, ind, "switch (%s) {" % ctl)
        saved = ctx.in_switch
        ctx.in_switch = True
        ctx.switch_nest += 1
        for c in range(ncase):
            self.emit(lines, ind, "case %du:" % c)
            if c + 1 < ncase and self.chance(0.25):
                # stacked labels: no statements in between
                continue
            self.emit(lines, ind, "{")
            self.block_body(ctx, lines, ind + 1, terminal_ok=False)
            self.emit(lines, ind, "}")
            if c + 1 < ncase and self.chance(0.3):
                self.emit(lines, ind, "    /* fall through */")
            else:
                self.emit(lines, ind, "    break;")
        if self.chance(0.7):
            self.emit(lines, ind, "default:")
            self.emit(lines, ind, "{")
            self.block_body(ctx, lines, ind + 1, terminal_ok=False)
            self.emit(lines, ind, "}")
            self.emit(lines, ind, "    break;")
        ctx.in_switch = saved
        ctx.switch_nest -= 1
        self.emit(lines, ind, "}")

    def stmt_block(self, ctx, lines, ind):
        self.emit(lines, ind, "{")
        self.block_body(ctx, lines, ind + 1)
        self.emit(lines, ind, "}")

    def stmt_ptr(self, ctx, lines, ind):
        ps = self.vars_of(ctx, "iptr")
        if not ps:
            return self.declare(ctx, lines, ind, "iptr")
        p = self.pick(ps)
        if self.chance(0.5):
            self.emit(lines, ind, "*%s = %s;" % (p.name, self.int_of(self.expr(ctx, 1))))
        else:
            call, _ = self.await_operand(ctx, avoid={p.target.uid})
            self.emit(lines, ind, "*%s += await %s;" % (p.name, call))
            self.emit(lines, ind, "*%s &= 0xffff;" % p.name)

    def stmt_acc(self, ctx, lines, ind):
        """Loud functions update the caller's local through acc."""
        if not ctx.func.has_acc:
            return self.stmt_assign(ctx, lines, ind)
        self.emit(lines, ind, "*acc = *acc * 33u + %s;" % self.expr(ctx, 1))

    def stmt_goto(self, ctx, lines, ind):
        """A forward goto to the end of a block, or a loop made of a
        backward goto."""
        self.label_no += 1
        lab = "L%d" % self.label_no
        if self.chance(0.5):
            self.emit(lines, ind, "{")
            ctx.scopes.append([])
            self.emit(lines, ind + 1, "if (%s)" % self.cond(ctx))
            self.emit(lines, ind + 2, "goto %s;" % lab)
            self.block_body(ctx, lines, ind + 1, new_scope=False, terminal_ok=False)
            self.use_all(ctx, lines, ind + 1, ctx.scopes[-1])
            ctx.scopes.pop()
            self.emit(lines, ind, "%s:;" % lab)
            self.emit(lines, ind, "}")
        else:
            n = self.loop_count(ctx)
            g = self.fresh("g")
            self.emit(lines, ind, "int %s = 0;" % g)
            ctx.scopes[-1].append(Var(g, "loop"))
            self.emit(lines, ind, "%s:" % lab)
            self.emit(lines, ind, "%s++;" % g)
            saved = ctx.mult
            ctx.mult *= n
            self.emit(lines, ind, "{")
            self.block_body(ctx, lines, ind + 1, terminal_ok=False)
            self.emit(lines, ind, "}")
            ctx.mult = saved
            self.emit(lines, ind, "if (%s < %d)" % (g, n))
            self.emit(lines, ind + 1, "goto %s;" % lab)

    def stmt_expr_await(self, ctx, lines, ind):
        """--expr-awaits: awaits inside larger expressions."""
        r = self.r
        form = r.randint(0, 3)
        lvs = [l for l in self.lvalues(ctx) if l[1] == "unsigned"]
        tgt = self.pick(lvs)[0] if lvs else "h"
        if form == 0:
            val = self.expr(ctx)
            if val == tgt:
                val = "%s + 1u" % val   # self-assignment draws a warning
            self.emit(lines, ind, "%s = %s;" % (tgt, val))
        elif form == 1:
            call = self.any_call(ctx) or "ac_yield()"
            self.emit(lines, ind, "%s = %s ? (unsigned)(await %s) : %s;"
                      % (tgt, self.cond(ctx, False), call, self.expr(ctx, 1)))
        elif form == 2:
            cs = self.callees(ctx, True)
            if cs:
                f = self.pick(cs)
                self.charge(ctx, f.cost + 1)
                args = self.args_for(ctx, f)
                self.emit(lines, ind, "%s ^= (unsigned)(await %s(%s));" % (tgt, f.name, ", ".join(args)))
            else:
                self.emit(lines, ind, "%s ^= mix2(%s, %s);" % (tgt, self.expr(ctx, 1), self.expr(ctx, 1)))
        else:
            self.emit(lines, ind, "%s += mix2(%s, %s);" % (tgt, self.expr(ctx, 1), self.expr(ctx, 1)))

    def statement(self, ctx, lines, ind):
        r = self.r
        kinds = [("assign", 10), ("await", 22), ("decl", 8), ("str", 2),
                 ("gather", 5), ("thread", 3), ("ptr", 3), ("acc", 2)]
        if not ctx.func.quiet:
            kinds.append(("print", 5))
        if ctx.depth < 4:
            kinds += [("if", 7), ("for", 5), ("while", 3), ("do", 3),
                      ("switch", 3), ("block", 2)]
            if self.goto and ctx.switch_nest == 0:
                # gcc's -Wimplicit-fallthrough warns when a statement falls
                # into any label inside a switch
                kinds.append(("goto", 3))
        if self.expr_awaits:
            kinds.append(("expr", 8))
        if self.fnptrs:
            kinds.append(("fptr", 3))
        if self.forms:
            kinds += [("forms", 8), ("spawn", 4)]
        if self.macros:
            kinds.append(("macro", 4))
        if ctx.func.recursive and ctx.mult == 1 and ctx.rec_sites < 2:
            kinds.append(("rec", 6))
        total = sum(w for _, w in kinds)
        x = r.uniform(0, total)
        for k, w in kinds:
            x -= w
            if x <= 0:
                break
        self.charge(ctx, 1)
        ctx.depth += 1
        if self.chance(0.04):
            self.emit(lines, ind, self.pick(["/* a comment before a statement */",
                                             "// a line comment",
                                             "/* a comment\n%s   over two lines */" % ("    " * ind)]))
        if k == "assign":
            self.stmt_assign(ctx, lines, ind)
        elif k == "await":
            self.stmt_await(ctx, lines, ind)
        elif k == "decl":
            self.declare(ctx, lines, ind)
        elif k == "str":
            self.stmt_str(ctx, lines, ind)
        elif k == "gather":
            self.stmt_gather(ctx, lines, ind)
        elif k == "thread":
            self.stmt_to_thread(ctx, lines, ind)
        elif k == "ptr":
            self.stmt_ptr(ctx, lines, ind)
        elif k == "acc":
            self.stmt_acc(ctx, lines, ind)
        elif k == "print":
            self.charge(ctx, PRINT_COST)
            self.label_no += 1
            self.print_vars(ctx, lines, ind, "p%d" % self.label_no)
        elif k == "if":
            self.stmt_if(ctx, lines, ind)
        elif k == "for":
            self.stmt_for(ctx, lines, ind)
        elif k == "while":
            self.stmt_while(ctx, lines, ind)
        elif k == "do":
            self.stmt_do(ctx, lines, ind)
        elif k == "switch":
            self.stmt_switch(ctx, lines, ind)
        elif k == "block":
            self.stmt_block(ctx, lines, ind)
        elif k == "goto":
            self.stmt_goto(ctx, lines, ind)
        elif k == "expr":
            self.stmt_expr_await(ctx, lines, ind)
        elif k == "fptr":
            self.stmt_fptr(ctx, lines, ind)
        elif k == "forms":
            self.stmt_forms(ctx, lines, ind)
        elif k == "spawn":
            self.stmt_spawn(ctx, lines, ind)
        elif k == "macro":
            self.stmt_macro(ctx, lines, ind)
        elif k == "rec":
            ctx.rec_sites += 1
            self.emit(lines, ind, "h += (unsigned)(await %s);" % self.rec_call(ctx)
                      if self.expr_awaits else "{")
            if not self.expr_awaits:
                self.emit(lines, ind + 1, "int rv = await %s;" % self.rec_call(ctx))
                self.emit(lines, ind + 1, "h += (unsigned)rv;")
                self.emit(lines, ind, "}")
        ctx.depth -= 1

    def terminal(self, ctx, lines, ind):
        """Maybe end a block with break, continue or return."""
        r = self.r
        opts = []
        if ctx.loop_depth > 0:
            opts += ["continue"]
        if ctx.loop_depth > 0 or ctx.in_switch:
            opts += ["break"]
        if ctx.func.name != "amain":
            opts += ["return"]
        if not opts or not self.chance(0.25):
            return
        t = self.pick(opts)
        if t == "return":
            if not ctx.func.quiet:
                self.print_vars(ctx, lines, ind, "ret%d" % self.label_no)
                self.label_no += 1
            cs = self.callees(ctx, False)
            if cs and self.chance(0.5):
                self.emit(lines, ind, "return await %s;" % self.call_text(ctx, self.pick(cs)))
            elif self.expr_awaits and self.chance(0.5):
                # awaits inside the return operand
                self.emit(lines, ind, "return (int)((%s) %% 32767u) + 1;" % self.expr(ctx))
            else:
                self.emit(lines, ind, "return (int)(h % 32767u) + 1;")
        else:
            self.emit(lines, ind, "%s;" % t)

    def block_body(self, ctx, lines, ind, new_scope=True, terminal_ok=True):
        if new_scope:
            ctx.scopes.append([])
        n = self.r.randint(1, 5)
        for _ in range(n):
            if not self.affordable(ctx, 3):
                break
            self.statement(ctx, lines, ind)
        self.use_all(ctx, lines, ind, ctx.scopes[-1])
        if terminal_ok:
            self.terminal(ctx, lines, ind)
        if new_scope:
            ctx.scopes.pop()

    # ----------------------------------------------------------- functions
    def make_signature(self, idx, quiet, recursive=False):
        r = self.r
        params = []
        if recursive:
            params.append(("depth", "depth"))
        for j in range(r.randint(0 if not recursive else 1, 3)):
            params.append(("p%d" % j, self.pick(["int", "unsigned", "long", "double",
                                                   "struct", "int"])))
        has_acc = (not quiet) and (not recursive) and self.chance(0.4)
        return params, has_acc

    def proto(self, f, declarator=None):
        ps = []
        for name, kind in f.params:
            ctype = {"int": "int", "depth": "int", "unsigned": "unsigned",
                     "long": "long", "double": "double", "struct": "struct S"}[kind]
            ps.append("%s %s" % (ctype, name))
        if f.has_acc:
            ps.append("unsigned *acc")
        return "async int %s(%s)" % (declarator or f.name, ", ".join(ps) or "void")

    def gen_function(self, f):
        ctx = Ctx(f, CALL_BUDGET)
        lines = []
        lines.append(self.proto(f))
        lines.append("{")
        seed_parts = ["%du" % (f.idx * 7 + 3)]
        for name, kind in f.params:
            v = Var(name, "loop" if kind == "depth" else kind)
            ctx.scopes[0].append(v)
            seed_parts.append({"int": "(unsigned)%s", "depth": "(unsigned)%s",
                               "unsigned": "%s", "long": "(unsigned)%s",
                               "double": "dcv(%s)", "struct": "s_sum(%s)"}[kind] % name)
        if f.has_acc:
            seed_parts.append("*acc")
        self.emit(lines, 1, "unsigned h = %s;" % " + ".join(seed_parts))
        if f.recursive:
            self.emit(lines, 1, "if (depth <= 0)")
            self.emit(lines, 2, "return (int)(h % 32767u) + 1;")
        if not f.quiet:
            self.print_vars(ctx, lines, 1, "in")
            if self.chance(0.4):
                # a static local: one instance for all calls (loud functions
                # never run concurrently, so the count is deterministic)
                self.emit(lines, 1, "static unsigned ncalls;")
                self.emit(lines, 1, "ncalls++;")
                self.emit(lines, 1, "h += ncalls * 1000u;")
        for _ in range(self.r.randint(1, 3)):
            self.declare(ctx, lines, 1)
        n = self.r.randint(3, 8)
        for _ in range(n):
            if not self.affordable(ctx, 3):
                break
            self.statement(ctx, lines, 1)
        self.use_all(ctx, lines, 1, ctx.scopes[0])
        if not f.quiet:
            self.print_vars(ctx, lines, 1, "out")
        self.emit(lines, 1, "return (int)(h % 32767u) + 1;")
        lines.append("}")
        f.cost = max(1, ctx.spent)
        return lines

    # --------------------------------------------------------------- file
    def prelude(self):
        return r'''#include <asyncc.h>
#include <stdio.h>
#include <string.h>

/* Generated by tests/fuzz/gen.py --seed %d%s */

typedef unsigned u32_t;
typedef long count_t;

#define MIX(a, b) ((a) * 31u + (b))
#define KSEED 2654435761u

struct S {
    int a;
    unsigned b;
    double c;
    char t[4];
};

/* A double as unsigned without undefined behaviour. */
unsigned dcv(double d)
{
    if (!(d >= 0.0 && d < 4000000000.0))
        return 7u;
    return (unsigned)d;
}

unsigned str_sum(const char *s)
{
    unsigned t = 0;
    while (*s)
        t = t * 131u + (unsigned char)*s++;
    return t;
}

unsigned s_sum(struct S s)
{
    return (unsigned)s.a * 3u + s.b + dcv(s.c) + str_sum(s.t);
}

struct S mk_s(unsigned x)
{
    struct S s = { (int)(x & 0xffffu), x * 2654435761u, (double)(x %% 977u), "mk" };
    return s;
}

/* Plain functions for to_thread. */
unsigned mix2(unsigned a, unsigned b)
{
    return (a ^ (b * 2246822519u)) + (a >> 7);
}

double dmix(double d, int k)
{
    return d * 0.25 + (double)k;
}

struct S smix(struct S s, unsigned k)
{
    s.a = (int)(((unsigned)s.a + k) & 0xffffu);
    s.b ^= k * 40503u;
    s.c = s.c * 0.5 + (double)(k %% 100u);
    s.t[0] = (char)('a' + k %% 26u);
    return s;
}

void vstore(unsigned *out, unsigned v)
{
    *out = *out * 7u + v;
}

/* Shift counts for <<= and >>= come from here: always 0..7. */
async int shf(unsigned x)
{
    await ac_yield();
    return (int)(x & 7u);
}
%s''' % (self.seed, "".join(f for f, on in ((" --recursion", self.recursion),
                                          (" --expr-awaits", self.expr_awaits),
                                          (" --goto", self.goto),
                                          (" --fnptrs", self.fnptrs),
                                          (" --forms", self.forms),
                                          (" --macros", self.macros),
                                          (" --names", self.names)) if on),
       MACROS if self.macros else "")

    def generate(self):
        r = self.r
        out = [self.prelude()]
        nfun = r.randint(3, 8)
        rec_group = []
        if self.recursion:
            for k in range(2):
                params, _ = self.make_signature(-1, True, recursive=True)
                f = Func(-1, "rec%d" % k, params, quiet=True, has_acc=False, recursive=True)
                rec_group.append(f)
                self.funcs.append(f)
            for f in rec_group:
                out.append(self.proto(f) + ";")
            out.append("")
        for i in range(nfun):
            quiet = self.chance(0.45)
            params, has_acc = self.make_signature(i, quiet)
            f = Func(i, "f%d" % i, params, quiet, has_acc)
            self.funcs.append(f)
        if self.recursion:
            # the group's cost: 2 call sites per body, depth at most 4,
            # so at most 31 bodies run per call
            for f in rec_group:
                lines = self.gen_function(f)
                f.cost = f.cost * 32 + 32
                out.append("\n".join(lines))
                out.append("")
        for f in self.funcs:
            if f.recursive:
                continue
            if self.fnptrs:
                out.append("typedef %s;" % self.proto(f, f.name + "_fn"))
            out.append("\n".join(self.gen_function(f)))
            if self.fnptrs:
                out.append("%s_fn *const %s_tab[2] = { %s, &%s };" % ((f.name,) * 4))
            out.append("")
        out.append(self.gen_main())
        return "\n".join(out) + "\n"

    def gen_main(self):
        main = Func(len(self.funcs) + 100, "amain", [], quiet=False, has_acc=False)
        ctx = Ctx(main, CALL_BUDGET * 3)
        lines = ["async int amain(void)", "{"]
        self.emit(lines, 1, "unsigned h = 1u;")
        for _ in range(2):
            self.declare(ctx, lines, 1)
        self.declare(ctx, lines, 1, "unsigned")
        # call the last few functions directly so that most code runs
        tops = [f for f in self.funcs if not f.recursive][-3:]
        for f in tops:
            if not self.affordable(ctx, f.cost + 1):
                continue
            name = self.fresh("r")
            self.emit(lines, 1, "int %s = await %s;" % (name, self.call_text(ctx, f)))
            ctx.scopes[0].append(Var(name, "int"))
            self.emit(lines, 1, 'printf("%s = %%d\\n", %s);' % (name, name))
        for _ in range(self.r.randint(1, 4)):
            if not self.affordable(ctx, 3):
                break
            self.statement(ctx, lines, 1)
        self.use_all(ctx, lines, 1, ctx.scopes[0])
        self.emit(lines, 1, 'printf("main h=%u\\n", h);')
        self.emit(lines, 1, "return 0;")
        lines.append("}")
        lines.append("")
        lines.append("int main(void)")
        lines.append("{")
        lines.append("    int rc = async_run(amain());")
        lines.append('    printf("rc %d\\n", rc);')
        lines.append("    return rc;")
        lines.append("}")
        return "\n".join(lines)


MACROS = r'''
/* --macros: awaits inside macros (asyncc expands these itself). */
#define AWAIT_OF(call) (await call)
#define YIELD0 (await ac_yield())
#define KEEP(e) do { h ^= (unsigned)(e); } while (0)
#define TIMES(n) for (int times_ = 0; times_ < (n); times_++)
'''


def generate(seed, expr_awaits=False, goto=False, recursion=False, fnptrs=False,
             forms=False, macros=False, names=False):
    """The program for a seed, as a string (run.py imports this)."""
    Var._next_id = 0
    return Gen(seed, expr_awaits, goto, recursion, fnptrs, forms, macros, names).generate()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--expr-awaits", action="store_true")
    ap.add_argument("--goto", action="store_true")
    ap.add_argument("--recursion", action="store_true")
    ap.add_argument("--fnptrs", action="store_true")
    ap.add_argument("--forms", action="store_true")
    ap.add_argument("--macros", action="store_true")
    ap.add_argument("--names", action="store_true")
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    a = ap.parse_args(argv)
    text = generate(a.seed, a.expr_awaits, a.goto, a.recursion, a.fnptrs, a.forms, a.macros,
                    a.names)
    if a.output:
        with open(a.output, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
