# asyncc-gdb.py - gdb commands for programs built with asyncc.
#
#   ac-tasks        every task of the current thread's loop, with its chain
#                   of suspended coroutines (ac_dump_tasks' format, read from
#                   memory: works on a stopped process and on a core file)
#   ac-bt           the async backtrace of the coroutine the selected frame
#                   runs: its awaiters outward, across tasks, to the root
#   ac-locals [N]   the locals kept in the frame of that coroutine (or of
#                   the N-th line of ac-bt), by their source names
#
# Load it with `source /path/to/asyncc-gdb.py` (or let gdb auto-load it,
# docs/API.md "Seeing the tasks").  Nothing here calls into the inferior.
# It needs the runtime's debug information (the ac_* types) and the
# symbols ac__fn_infos, coro.c's `rt` and group.c's `live_groups`.

import re

import gdb

CHAIN_SHOWN = 40
AC_TASK_CANCELLED = 1
AC_TASK_DONE = 2


class AcError(Exception):
    pass


def _ptr(v):
    return int(v.cast(gdb.lookup_type("unsigned long")))


def _string(v):
    if _ptr(v) == 0:
        return None
    try:
        return v.string()
    except gdb.error:
        return "<unreadable>"


def _type(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        raise AcError("no debug information for %s (build the runtime with -g)" % name)


def _static_of(name, source_suffix):
    """The file-static (possibly thread-local) variable `name` defined in a
    file whose name ends with source_suffix, for the selected thread."""
    cands = []
    try:
        cands = gdb.lookup_static_symbols(name)
    except AttributeError:  # gdb < 10
        s = gdb.lookup_static_symbol(name)
        cands = [s] if s is not None else []
    for sym in cands:
        if sym.symtab is not None and sym.symtab.filename.endswith(source_suffix):
            return _sym_value(sym)
    try:
        return gdb.parse_and_eval("'%s'::%s" % (source_suffix.split("/")[-1], name))
    except gdb.error:
        pass
    raise AcError("cannot find %s of %s (is the asyncc runtime linked, with symbols?)"
                  % (name, source_suffix))


def _sym_value(sym):
    try:
        return sym.value(gdb.selected_frame())
    except (gdb.error, RuntimeError):
        return sym.value()


class FnInfos:
    """ac__fn_infos read once: resume function address -> ac_fn_info."""

    def __init__(self):
        self.by_resume = {}
        try:
            head = gdb.parse_and_eval("ac__fn_infos")
        except gdb.error:
            raise AcError("no symbol ac__fn_infos: not an asyncc program?")
        seen = 0
        while _ptr(head) != 0 and seen < 1000000:
            key = _ptr(head["resume"])
            # The list is newest first; the newest registration wins.
            if key not in self.by_resume:
                self.by_resume[key] = head.dereference()
            head = head["next"]
            seen += 1

    def find(self, co):
        return self.by_resume.get(_ptr(co["resume"]))


def _info_name(info):
    return _string(info["name"]) if info is not None else None


def _is_leaf(info, name):
    return info is not None and _ptr(info["file"]) == 0 and _info_name(info) == name


def _coro_line(co, info):
    """'name at file:line', as ac_dump_tasks shows a coroutine."""
    if info is None:
        return "coroutine 0x%x (resume function 0x%x, state %d)" % (
            _ptr(co), _ptr(co["resume"]), int(co["state"]))
    text = _info_name(info) or "?"
    if _ptr(info["lines"]) != 0 and _ptr(info["file"]) != 0:
        state = int(co["state"])
        k = state if 0 <= state <= int(info["npoints"]) else 0
        text += " at %s:%d" % (_string(info["file"]), int(info["lines"][k]))
    return text


def _child_tasks(leaf, info):
    """The tasks a gather or with_timeout leaf waits on, in their order."""
    tasks = []
    if _is_leaf(info, "gather"):
        f = leaf.cast(_type("struct ac_gather__frame").pointer())
        for i in range(int(f["n"])):
            tasks.append(f["children"][i]["task"].address)
    elif _is_leaf(info, "with_timeout"):
        f = leaf.cast(_type("struct ac_with_timeout__frame").pointer())
        tasks.append(f["child"]["task"].address)
    return [t for t in tasks
            if _ptr(t["root"]) != 0 and not (int(t["flags"]) & AC_TASK_DONE)]


def dump_tasks(out):
    infos = FnInfos()
    rt = _static_of("rt", "coro.c")
    live_groups = _static_of("live_groups", "group.c")
    current = _ptr(rt["current"])
    try:
        running = int(_static_of("lp", "loop.c")["running"])
    except (AcError, gdb.error):
        running = 1  # cannot tell: show what the lists hold
    if not running:
        out("asyncc: no loop runs on this thread\n")
        return
    stack = []  # (task pointer, depth, spawned), popped from the end
    main = rt["main_task"]
    if _ptr(main) != 0 and not (int(main["flags"]) & AC_TASK_DONE):
        stack.append((main, 0, False))
    roots = []
    g = live_groups
    while _ptr(g) != 0:
        c = g["head"]
        chain = []
        while _ptr(c) != 0:
            chain.append(c)
            c = c["next"]
        for c in reversed(chain):  # oldest first (new ones go at the head)
            roots.append((c["task"].address, 0, True))
        g = g["next"]
    stack = list(reversed(stack + roots))
    shown = 0
    out("asyncc: the tasks of this thread's loop:\n")
    while stack:
        t, depth, spawned = stack.pop()
        pad = " " * (min(depth, 16) * 2)
        shown += 1
        head = "%stask %d" % (pad, shown)
        root = t["root"]
        rinfo = infos.find(root) if _ptr(root) != 0 else None
        name = _string(t["name"])
        if name is not None:
            head += ' "%s"' % name
        elif rinfo is not None:
            head += " %s" % _info_name(rinfo)
        if spawned:
            head += " (spawned)"
        if int(t["flags"]) & AC_TASK_CANCELLED:
            head += " (cancelled)"
        out(head + "\n")
        leaf = t["leaf"]
        if _ptr(leaf) == 0:
            out(pad + ("    running now\n" if _ptr(t) == current else "    ready to run\n"))
            continue
        chain = []
        co = leaf
        while _ptr(co) != 0 and len(chain) < 10000000:
            chain.append(co)
            co = gdb.Value(0).cast(co.type) if _ptr(co) == _ptr(root) else co["waiter"]
        n = len(chain)
        for k, co in enumerate(chain):
            if n > CHAIN_SHOWN and CHAIN_SHOWN // 2 <= k < n - CHAIN_SHOWN // 2:
                if k == CHAIN_SHOWN // 2:
                    out("%s    ... %d more ...\n" % (pad, n - CHAIN_SHOWN))
                continue
            out("%s    #%d %s\n" % (pad, k, _coro_line(co, infos.find(co))))
        for child in reversed(_child_tasks(leaf, infos.find(leaf))):
            stack.append((child, depth + 1, False))
    if shown == 0:
        out("  (none)\n")


# ---- the coroutine of the selected frame ---------------------------------

def _resume_frame():
    """The innermost frame, from the selected one outwards, of a resume
    function asyncc generated (it has __ac_co and __ac_f)."""
    f = gdb.selected_frame()
    while f is not None:
        fn = f.function()
        if fn is not None and fn.name.endswith("__resume"):
            try:
                f.read_var("__ac_co")
                return f
            except ValueError:
                pass
        f = f.older()
    raise AcError("the selected frame is not inside a coroutine (no *__resume frame "
                  "with __ac_co below it)")


def _chain_from(frame):
    """[(coroutine, frame or None)] from the frame's coroutine to the root
    of the main task, following waiter links across task boundaries."""
    co = frame.read_var("__ac_co")
    out = []
    seen = set()
    while _ptr(co) != 0 and _ptr(co) not in seen and len(out) < 10000000:
        seen.add(_ptr(co))
        out.append(co)
        co = co["waiter"]
    return out


def _task_label(t, infos):
    if _ptr(t) == 0:
        return "no task"
    name = _string(t["name"])
    if name is not None:
        return 'task "%s"' % name
    root = t["root"]
    info = infos.find(root) if _ptr(root) != 0 else None
    return "task %s" % (_info_name(info) if info is not None else "0x%x" % _ptr(t))


def async_backtrace(out):
    infos = FnInfos()
    frame = _resume_frame()
    chain = _chain_from(frame)
    task = None
    for k, co in enumerate(chain):
        t = co["task"]
        if task is None or _ptr(t) != _ptr(task):
            task = t
            out("[%s]\n" % _task_label(t, infos))
        info = infos.find(co)
        text = _coro_line(co, info)
        if k == 0:
            # The running coroutine: where it is now, not where it resumed.
            sal = frame.find_sal()
            if sal.symtab is not None and info is not None:
                text = "%s at %s:%d" % (_info_name(info), sal.symtab.filename, sal.line)
        out("#%d %s\n" % (k, text))


_HIDDEN = re.compile(r"^(co|ret|sub|tmp_[0-9]+|__ac.*)$")


def _frame_struct(co, infos):
    """co cast to the frame struct asyncc generated for its function."""
    info = infos.find(co)
    name = _info_name(info)
    if name is None or _ptr(info["file"]) == 0:
        raise AcError("coroutine 0x%x is not an async function asyncc generated" % _ptr(co))
    block = gdb.block_for_pc(_ptr(co["resume"]))
    fn = block.function if block is not None else None
    base = fn.name[:-len("__resume")] if fn is not None and fn.name.endswith("__resume") else name
    return co.cast(_type("struct %s__frame" % base).pointer()).dereference()


def _c_locals(frame):
    """The C variables in scope at the frame's pc, up to its function's
    block: in a running coroutine, the cached locals (docs/TRANSPILER.md)
    live there, and their frame members are only written at each await."""
    names = set()
    try:
        b = frame.block()
    except RuntimeError:
        return names
    while b is not None:
        for sym in b:
            if sym.is_variable or sym.is_argument:
                names.add(sym.name)
        if b.function is not None:
            break
        b = b.superblock
    return names


def _show_locals(f, out, live=None):
    shown = 0
    in_scope = _c_locals(live) if live is not None else set()
    for field in f.type.strip_typedefs().fields():
        if field.name is None or _HIDDEN.match(field.name):
            continue
        try:
            v = live.read_var(field.name) if field.name in in_scope else None
            if v is not None and not v.is_optimized_out:
                text = str(v)
            elif v is not None:  # optimised out: the copy the last await stored
                text = "%s (as of the last await)" % f[field.name]
            else:
                text = str(f[field.name])
        except (gdb.error, ValueError) as e:
            text = "<%s>" % e
        out("%s = %s\n" % (field.name, text))
        shown += 1
    if shown == 0:
        out("(no locals live across awaits)\n")


def async_locals(arg, out):
    frame = _resume_frame()
    arg = arg.strip()
    if arg == "":
        _show_locals(frame.read_var("__ac_f").dereference(), out, frame)
        return
    else:
        infos = FnInfos()
        chain = _chain_from(frame)
        k = int(gdb.parse_and_eval(arg))
        if not 0 <= k < len(chain):
            raise AcError("ac-bt shows #0 to #%d" % (len(chain) - 1))
        f = _frame_struct(chain[k], infos)
    _show_locals(f, out, frame if k == 0 else None)


# ---- the commands ------------------------------------------------------------

class _Command(gdb.Command):
    def __init__(self, name, run):
        super().__init__(name, gdb.COMMAND_STACK)
        self._run = run

    def invoke(self, arg, from_tty):
        self.dont_repeat()
        try:
            self._run(arg)
        except AcError as e:
            raise gdb.GdbError("%s: %s" % (self._name, e))


class AcTasks(_Command):
    """Print every task of the selected thread's asyncc loop, with the chain
of coroutines each is suspended in (innermost first) and the .ac line of
each await, as ac_dump_tasks does; read from memory, so it works on a core
file.  A leaf shows its name only (what it waits on needs a call)."""

    def __init__(self):
        self._name = "ac-tasks"
        super().__init__(self._name, lambda arg: dump_tasks(gdb.write))


class AcBt(_Command):
    """Async backtrace: the coroutine the selected frame runs (the innermost
*__resume frame from it outwards), then the coroutines awaiting it, each
with its .ac file:line, across task boundaries to the main task's root."""

    def __init__(self):
        self._name = "ac-bt"
        super().__init__(self._name, lambda arg: async_backtrace(gdb.write))


class AcLocals(_Command):
    """ac-locals [N]: the locals of the current coroutine (or of line #N of
ac-bt) that live in its frame across awaits, by their source names."""

    def __init__(self):
        self._name = "ac-locals"
        super().__init__(self._name, lambda arg: async_locals(arg, gdb.write))


AcTasks()
AcBt()
AcLocals()
