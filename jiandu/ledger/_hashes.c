/* The Merkle tree's batch hashes in C: leaf and node hashes of a whole list in one call.

   Optional: `ledger.storage` uses it for appends when it is built, and `merkle.Hasher` (pure
   Python) otherwise; tests check that both give the same bytes. It calls the same OpenSSL
   that Python's hashlib uses, through its EVP interface, so it adds no hash code of its own:
   what it saves is the Python call, the hash object and the concatenation per hash, which
   cost more than hashing a 430-byte record or a 65-byte node on this machine's SHA
   extensions (see bench/RESULTS.md). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const char *name;
    EVP_MD *md;
    EVP_MD_CTX *leaf;  /* has absorbed 0x00 */
    EVP_MD_CTX *node;  /* has absorbed 0x01 */
    EVP_MD_CTX *work;
} Alg;

static Alg algs[] = {{"sha256"}, {"sm3"}};

static Alg *
alg_get(PyObject *name)
{
    const char *s = PyUnicode_AsUTF8(name);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        Alg *a = &algs[i];
        if (strcmp(s, a->name) != 0)
            continue;
        if (a->md == NULL) {
            static const unsigned char leaf = 0, node = 1;
            EVP_MD *md = EVP_MD_fetch(NULL, s, NULL);
            if (md == NULL || EVP_MD_get_size(md) != 32) {
                EVP_MD_free(md);
                PyErr_Format(PyExc_ValueError, "OpenSSL has no usable %s", s);
                return NULL;
            }
            a->leaf = EVP_MD_CTX_new();
            a->node = EVP_MD_CTX_new();
            a->work = EVP_MD_CTX_new();
            if (a->leaf == NULL || a->node == NULL || a->work == NULL
                    || !EVP_DigestInit_ex(a->leaf, md, NULL)
                    || !EVP_DigestUpdate(a->leaf, &leaf, 1)
                    || !EVP_DigestInit_ex(a->node, md, NULL)
                    || !EVP_DigestUpdate(a->node, &node, 1)) {
                EVP_MD_CTX_free(a->leaf);
                EVP_MD_CTX_free(a->node);
                EVP_MD_CTX_free(a->work);
                a->leaf = a->node = a->work = NULL;
                EVP_MD_free(md);
                PyErr_Format(PyExc_RuntimeError, "OpenSSL failed to set up %s", s);
                return NULL;
            }
            a->md = md;
        }
        return a;
    }
    PyErr_Format(PyExc_ValueError, "unsupported hash algorithm: %R", name);
    return NULL;
}

/* H(prefix ‖ a ‖ b) into out, from the context that has absorbed the prefix. */
static int
hash2(Alg *a, EVP_MD_CTX *base, const char *x, Py_ssize_t nx, const char *y, Py_ssize_t ny,
      unsigned char *out)
{
    if (!EVP_MD_CTX_copy_ex(a->work, base)
            || !EVP_DigestUpdate(a->work, x, (size_t)nx)
            || (ny && !EVP_DigestUpdate(a->work, y, (size_t)ny))
            || !EVP_DigestFinal_ex(a->work, out, NULL)) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL digest failed");
        return -1;
    }
    return 0;
}

/* Each function takes its sequences as tuples (PySequence_Tuple): the items stay owned and the
   length fixed while an allocation in the loop may run arbitrary code through the garbage
   collector, which could otherwise shrink a list whose items are read by borrowed pointer, or
   (join_lines) change the sizes between summing them and copying. A tuple comes back as itself. */

static PyObject *
leaves(PyObject *self, PyObject *args)
{
    PyObject *name, *datas;
    if (!PyArg_ParseTuple(args, "UO:leaves", &name, &datas))
        return NULL;
    Alg *a = alg_get(name);
    if (a == NULL)
        return NULL;
    PyObject *seq = PySequence_Tuple(datas);
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *out = PyList_New(n);
    if (out == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyBytes_Check(items[i])) {
            PyErr_Format(PyExc_TypeError, "leaf %zd is %.100s, not bytes", i,
                         Py_TYPE(items[i])->tp_name);
            goto fail;
        }
        PyObject *h = PyBytes_FromStringAndSize(NULL, 32);
        if (h == NULL)
            goto fail;
        PyList_SET_ITEM(out, i, h);
        if (hash2(a, a->leaf, PyBytes_AS_STRING(items[i]), PyBytes_GET_SIZE(items[i]),
                  NULL, 0, (unsigned char *)PyBytes_AS_STRING(h)) < 0)
            goto fail;
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_XDECREF(out);
    Py_DECREF(seq);
    return NULL;
}

static PyObject *
nodes(PyObject *self, PyObject *args)
{
    PyObject *name, *lefts, *rights, *ls = NULL, *rs = NULL, *out = NULL;
    if (!PyArg_ParseTuple(args, "UOO:nodes", &name, &lefts, &rights))
        return NULL;
    Alg *a = alg_get(name);
    if (a == NULL)
        return NULL;
    ls = PySequence_Tuple(lefts);
    if (ls == NULL)
        goto fail;
    rs = PySequence_Tuple(rights);
    if (rs == NULL)
        goto fail;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(ls);
    if (PySequence_Fast_GET_SIZE(rs) != n) {
        PyErr_SetString(PyExc_ValueError, "nodes() needs as many rights as lefts");
        goto fail;
    }
    PyObject **l = PySequence_Fast_ITEMS(ls), **r = PySequence_Fast_ITEMS(rs);
    out = PyList_New(n);
    if (out == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyBytes_Check(l[i]) || !PyBytes_Check(r[i])) {
            PyErr_Format(PyExc_TypeError, "node %zd: hashes must be bytes", i);
            goto fail;
        }
        PyObject *h = PyBytes_FromStringAndSize(NULL, 32);
        if (h == NULL)
            goto fail;
        PyList_SET_ITEM(out, i, h);
        if (hash2(a, a->node, PyBytes_AS_STRING(l[i]), PyBytes_GET_SIZE(l[i]),
                  PyBytes_AS_STRING(r[i]), PyBytes_GET_SIZE(r[i]),
                  (unsigned char *)PyBytes_AS_STRING(h)) < 0)
            goto fail;
    }
    Py_DECREF(ls);
    Py_DECREF(rs);
    return out;
fail:
    Py_XDECREF(out);
    Py_XDECREF(ls);
    Py_XDECREF(rs);
    return NULL;
}

/* Whether s[0:n] is UTF-8 as Python's strict decoder reads it (no overlong forms, surrogates
   or code points past U+10FFFF) and holds no line break (\n or \r). ASCII is taken 8 bytes at
   a time, looking for the two line breaks by the has-zero-byte trick; a record's Chinese text
   is mostly 3-byte sequences E1..EC, which go first. 0.15 µs a 430-byte record here, against
   0.3 µs for two memchr passes and a byte-at-a-time check, or Python's decode. */
static int
utf8_line(const unsigned char *s, Py_ssize_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    Py_ssize_t i = 0;
    while (i < n) {
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & highs)
                break;
            uint64_t lf = w ^ (ones * '\n'), cr = w ^ (ones * '\r');
            if (((lf - ones) & ~lf & highs) | ((cr - ones) & ~cr & highs))
                return 0;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c == '\n' || c == '\r')
                return 0;
            i++;
            continue;
        }
        if (c >= 0xE1 && c <= 0xEC && i + 2 < n) {
            if ((s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80)
                return 0;
            i += 3;
            continue;
        }
        int more;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            more = 1;
        else if (c == 0xE0)
            more = 2, lo = 0xA0;
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
            more = 2;
        else if (c == 0xED)
            more = 2, hi = 0x9F;
        else if (c == 0xF0)
            more = 3, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3)
            more = 3;
        else if (c == 0xF4)
            more = 3, hi = 0x8F;
        else
            return 0;
        if (i + more >= n)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (int k = 2; k <= more; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += more + 1;
    }
    return 1;
}

static PyObject *
join_lines(PyObject *self, PyObject *parts)
{
    PyObject *seq = PySequence_Tuple(parts);
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), total = n ? n - 1 : 0;
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyBytes_CheckExact(items[i]) || PyBytes_GET_SIZE(items[i]) == 0
                || PyBytes_AS_STRING(items[i])[0] != '{') {
            Py_DECREF(seq);
            Py_RETURN_NONE;
        }
        total += PyBytes_GET_SIZE(items[i]);
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, total);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    char *at = PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *p = PyBytes_AS_STRING(items[i]);
        Py_ssize_t len = PyBytes_GET_SIZE(items[i]);
        if (!utf8_line((const unsigned char *)p, len)) {
            Py_DECREF(out);
            Py_DECREF(seq);
            Py_RETURN_NONE;
        }
        if (i)
            *at++ = '\n';
        memcpy(at, p, (size_t)len);
        at += len;
    }
    Py_DECREF(seq);
    return out;
}

/* A text attribute of an item that the fast path takes as it is: an exact str of 1..max
   characters. */
static int
short_str(PyObject *v, Py_ssize_t max)
{
    return PyUnicode_CheckExact(v) && PyUnicode_GET_LENGTH(v) > 0 && PyUnicode_GET_LENGTH(v) <= max;
}

static PyObject *s_kind, *s_key, *s_content, *s_content_json, *s_file_hashes;

/* item_data(items, dumps, kind_max, key_max) -> (datas, kinds, keys), or None when any item
   is not the usual kind: exact str kind and key of 1..max characters, no file hashes, and
   either content_json bytes starting with '{' (content None) or a dict content (content_json
   None) that dumps serialises. The caller then checks every item in Python, which names the
   one at fault; a dict that dumps refuses is left to it too. */
static PyObject *
item_data(PyObject *self, PyObject *args)
{
    PyObject *items, *dumps, *seq = NULL, *datas = NULL, *kinds = NULL, *keys = NULL;
    Py_ssize_t kind_max, key_max;
    if (!PyArg_ParseTuple(args, "OOnn:item_data", &items, &dumps, &kind_max, &key_max))
        return NULL;
    seq = PySequence_Tuple(items);
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **it = PySequence_Fast_ITEMS(seq);
    datas = PyList_New(n);
    kinds = PyList_New(n);
    keys = PyList_New(n);
    if (datas == NULL || kinds == NULL || keys == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *kind = PyObject_GetAttr(it[i], s_kind);
        if (kind == NULL)
            goto fail;
        PyList_SET_ITEM(kinds, i, kind);
        PyObject *key = PyObject_GetAttr(it[i], s_key);
        if (key == NULL)
            goto fail;
        PyList_SET_ITEM(keys, i, key);
        if (!short_str(kind, kind_max) || !short_str(key, key_max))
            goto other;
        PyObject *files = PyObject_GetAttr(it[i], s_file_hashes);
        if (files == NULL)
            goto fail;
        int has_files = PyObject_IsTrue(files);
        Py_DECREF(files);
        if (has_files < 0)
            goto fail;
        if (has_files)
            goto other;
        PyObject *data = PyObject_GetAttr(it[i], s_content_json);
        if (data == NULL)
            goto fail;
        PyObject *content = PyObject_GetAttr(it[i], s_content);
        if (content == NULL) {
            Py_DECREF(data);
            goto fail;
        }
        if (data == Py_None && PyDict_CheckExact(content)) {
            Py_DECREF(data);
            data = PyObject_CallOneArg(dumps, content);
            Py_DECREF(content);
            if (data == NULL) {
                PyErr_Clear();
                goto other;
            }
            if (!PyBytes_CheckExact(data)) {
                Py_DECREF(data);
                goto other;
            }
        } else {
            int usual = content == Py_None && PyBytes_CheckExact(data)
                        && PyBytes_GET_SIZE(data) > 0 && PyBytes_AS_STRING(data)[0] == '{';
            Py_DECREF(content);
            if (!usual) {
                Py_DECREF(data);
                goto other;
            }
        }
        PyList_SET_ITEM(datas, i, data);
    }
    Py_DECREF(seq);
    return Py_BuildValue("(NNN)", datas, kinds, keys);
other:
    Py_DECREF(seq);
    Py_DECREF(datas);
    Py_DECREF(kinds);
    Py_DECREF(keys);
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    Py_XDECREF(datas);
    Py_XDECREF(kinds);
    Py_XDECREF(keys);
    return NULL;
}

static PyMethodDef methods[] = {
    {"item_data", item_data, METH_VARARGS,
     "item_data(items, dumps, kind_max, key_max) -> (datas, kinds, keys), or None when an "
     "item needs the full check."},
    {"join_lines", join_lines, METH_O,
     "join_lines(parts) -> b'\\n'.join(parts), or None when a part is not bytes starting with "
     "'{', is not UTF-8 or holds a line break."},
    {"leaves", leaves, METH_VARARGS,
     "leaves(alg, datas) -> [H(0x00 ‖ d) for d in datas]; alg is 'sha256' or 'sm3'."},
    {"nodes", nodes, METH_VARARGS,
     "nodes(alg, lefts, rights) -> [H(0x01 ‖ l ‖ r) for l, r in zip(lefts, rights)]."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_hashes",
    "Batch RFC 9162 leaf and node hashes through OpenSSL (optional accelerator).", -1, methods,
};

PyMODINIT_FUNC
PyInit__hashes(void)
{
    if ((s_kind = PyUnicode_InternFromString("kind")) == NULL
            || (s_key = PyUnicode_InternFromString("key")) == NULL
            || (s_content = PyUnicode_InternFromString("content")) == NULL
            || (s_content_json = PyUnicode_InternFromString("content_json")) == NULL
            || (s_file_hashes = PyUnicode_InternFromString("file_hashes")) == NULL)
        return NULL;
    return PyModule_Create(&module);
}
