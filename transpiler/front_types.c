/*
 * front_types.c - C types for the later stages: declarations rendered as
 * text, and the few questions lowering asks about a type (is it an array,
 * what does the pointer point to, what does the function return).
 *
 * Declarations are built from the type's structure, not from clang's
 * spelling of the whole type, because the name goes in the middle
 * (`int (*name)(int)`, `char name[3]`); only the innermost, named part
 * (`int`, `struct s`, a typedef name) is clang's spelling.
 */
#include <string.h>

#include "front.h"

/* A Type made up here, for "int" where the real type is unknown: it has
 * no libclang data behind it, so only its kind may be looked at. */
Type type_int(void)
{
    Type t;
    memset(&t, 0, sizeof t);
    t.kind = CXType_Int;
    return t;
}

static int made_up(Type t) { return t.data[0] == NULL && t.data[1] == NULL; }

int type_is_array(Type t)
{
    return t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray;
}

int type_is_function(Type t)
{
    return t.kind == CXType_FunctionProto || t.kind == CXType_FunctionNoProto;
}

int type_is_pointer(Type t) { return t.kind == CXType_Pointer; }
int type_is_void(Type t) { return t.kind == CXType_Void; }

int type_is_scalar(Type t)
{
    if (made_up(t))
        return 1;
    CXType c = clang_getCanonicalType(t);
    return (c.kind >= CXType_FirstBuiltin && c.kind <= CXType_LastBuiltin &&
            c.kind != CXType_Void) ||
           c.kind == CXType_Pointer || c.kind == CXType_Enum;
}

int type_is_async_fn(Type t, Type *fn)
{
    if (made_up(t))
        return 0;
    if (t.kind == CXType_Pointer)
        t = clang_getPointeeType(t);
    CXType c = clang_getCanonicalType(t);
    if (c.kind != CXType_FunctionProto && c.kind != CXType_FunctionNoProto)
        return 0;
    if (fn)
        *fn = c;
    return clang_getFunctionTypeCallingConv(c) == CXCallingConv_PreserveMost;
}

int type_is_cv(Type t)
{
    if (made_up(t))
        return 0;
    CXType c = clang_getCanonicalType(t);
    return clang_isConstQualifiedType(c) || clang_isVolatileQualifiedType(c);
}
Type type_element(Type t) { return clang_getArrayElementType(t); }
Type type_pointee(Type t) { return clang_getPointeeType(t); }
Type type_result(Type t) { return clang_getResultType(t); }

int type_nparams(Type t)
{
    return t.kind == CXType_FunctionProto ? clang_getNumArgTypes(t) : 0;
}

Type type_param(Type t, int i) { return clang_getArgType(t, (unsigned)i); }

static const char *quals(CXType t)
{
    int c = clang_isConstQualifiedType(t), v = clang_isVolatileQualifiedType(t),
        r = clang_isRestrictQualifiedType(t);
    if (c && v)
        return r ? "const volatile restrict " : "const volatile ";
    if (c)
        return r ? "const restrict " : "const ";
    if (v)
        return r ? "volatile restrict " : "volatile ";
    return r ? "restrict " : "";
}

/* Drop leading "const " words of a spelled type. */
static const char *skip_const(const char *s)
{
    while (!strncmp(s, "const ", 6))
        s += 6;
    return s;
}

/* The innermost part: clang's spelling, which must name the type. */
static char *spelled(Arena *a, CXType t, const char *inner, int strip,
                     const char **why)
{
    const char *sep = *inner ? " " : "";
    if (made_up(t))
        return arena_printf(a, "int%s%s", sep, inner);
    CXString cs = clang_getTypeSpelling(t);
    const char *sp = clang_getCString(cs);
    char *r = NULL;
    if (strstr(sp, "(unnamed") || strstr(sp, "(anonymous")) {
        *why = "an unnamed struct, union or enum";
    } else {
        const char *s = strip ? skip_const(sp) : sp;
        /* A typedef of a const type is const without saying so; write
         * the canonical type instead so the member can be assigned. */
        if (strip && s == sp && clang_isConstQualifiedType(clang_getCanonicalType(t)) &&
            !clang_isConstQualifiedType(t)) {
            CXString c2 = clang_getTypeSpelling(clang_getCanonicalType(t));
            r = arena_printf(a, "%s%s%s", skip_const(clang_getCString(c2)), sep, inner);
            clang_disposeString(c2);
        } else {
            r = arena_printf(a, "%s%s%s", s, sep, inner);
        }
    }
    clang_disposeString(cs);
    return r;
}

static char *decl_rec(Arena *a, CXType t, const char *inner, int strip,
                      const char **why)
{
    switch (t.kind) {
    case CXType_Pointer: {
        CXType p = clang_getPointeeType(t);
        const char *q = strip ? "" : quals(t);
        const char *in = arena_printf(a, "*%s%s", q, inner);
        if (p.kind == CXType_ConstantArray || p.kind == CXType_IncompleteArray ||
            p.kind == CXType_FunctionProto || p.kind == CXType_FunctionNoProto)
            in = arena_printf(a, "(%s)", in);
        return decl_rec(a, p, in, 0, why);
    }
    case CXType_ConstantArray:
        return decl_rec(a, clang_getArrayElementType(t),
                        arena_printf(a, "%s[%lld]", inner, clang_getArraySize(t)),
                        strip, why);
    case CXType_IncompleteArray:
        return decl_rec(a, clang_getArrayElementType(t),
                        arena_printf(a, "%s[]", inner), strip, why);
    case CXType_VariableArray:
    case CXType_DependentSizedArray:
        *why = "a variable-length array";
        return NULL;
    case CXType_FunctionNoProto:
        return decl_rec(a, clang_getResultType(t), arena_printf(a, "%s()", inner),
                        0, why);
    case CXType_FunctionProto: {
        int n = clang_getNumArgTypes(t);
        char *params = n == 0 && !clang_isFunctionTypeVariadic(t) ? "void" : "";
        for (int i = 0; i < n; i++) {
            char *p = decl_rec(a, clang_getArgType(t, (unsigned)i), "", 0, why);
            if (!p)
                return NULL;
            params = arena_printf(a, "%s%s%s", params, i ? ", " : "", p);
        }
        if (clang_isFunctionTypeVariadic(t))
            params = arena_printf(a, "%s%s...", params, n ? ", " : "");
        return decl_rec(a, clang_getResultType(t),
                        arena_printf(a, "%s(%s)", inner, params), 0, why);
    }
    case CXType_Invalid:
        *why = "unknown";
        return NULL;
    default:
        return spelled(a, t, inner, strip, why);
    }
}

char *type_decl(Arena *a, Type t, const char *name, int strip_const,
                const char **why)
{
    const char *dummy;
    return decl_rec(a, t, name, strip_const, why ? why : &dummy);
}
