/*
 * openpcs.frames._plan_reader: the optional compiled reader of binary-frame plans.
 *
 * A PlanReader holds what openpcs.frames.binary_plans compiled for one node's frames of one
 * size (size, node name, sequence offset, the frame's fixed header values) and one layout
 * (per field: where its id byte is, which id, the value format and count, the sensor row).
 * read(raw) checks the same bytes BinaryPlan.read checks (size, delimiter, name, every id
 * byte and string length byte, strings ASCII without NUL) and builds the same Frame and Field
 * tuples from the same bytes, little-endian, without a struct call or a Python frame. It
 * returns None for anything that is not an exact bytes object of the plan's layout, and the
 * caller then takes the reference path. The pure-Python plan stays the reference and the
 * fallback: tests compare the two on the fuzz corpus.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

typedef struct {
    Py_ssize_t id_at;  /* offset of the field's id byte in the frame */
    unsigned char id;  /* the id byte expected there */
    char code;         /* B, h, H, I, f, or s for a length-prefixed string */
    Py_ssize_t count;  /* values (numbers) or characters (a string) */
    PyObject *spec;    /* the sensor row, the Field's first item */
} Step;

typedef struct {
    PyObject_HEAD
    Py_ssize_t size;
    Py_ssize_t sequence_at;
    PyObject *name_hash; /* bytes: frame bytes 13 .. sequence_at */
    PyObject *head;      /* (kind, frame type, serial, node name, sensor table) */
    PyObject *field_type;
    PyObject *frame_type;
    PyObject *steps_source; /* the steps as given, kept for repr and GC */
    Py_ssize_t n_steps;
    Step *steps;
    Py_ssize_t misses;
} PlanReader;

static const char DELIMITER[3] = {'<', '=', '>'};

static int
value_width(char code)
{
    switch (code) {
    case 'B': return 1;
    case 'h': case 'H': return 2;
    case 'I': case 'f': return 4;
    default: return 0;
    }
}

static PyObject *
read_value(const unsigned char *at, char code)
{
    switch (code) {
    case 'B':
        return PyLong_FromLong(at[0]);
    case 'h':
        return PyLong_FromLong((long)(int16_t)(uint16_t)(at[0] | (at[1] << 8)));
    case 'H':
        return PyLong_FromLong((long)(at[0] | (at[1] << 8)));
    case 'I':
        return PyLong_FromUnsignedLong(
            (unsigned long)at[0] | ((unsigned long)at[1] << 8) | ((unsigned long)at[2] << 16)
            | ((unsigned long)at[3] << 24));
    case 'f': {
        /* as struct's "<f": the four bytes as an IEEE binary32, widened to a double */
        double value = PyFloat_Unpack4((const char *)at, 1);
        if (value == -1.0 && PyErr_Occurred()) {
            return NULL;
        }
        return PyFloat_FromDouble(value);
    }
    default:
        PyErr_Format(PyExc_ValueError, "unknown value format %c", code);
        return NULL;
    }
}

/* A tuple of the subclass `type` holding `count` new references taken from `items`. */
static PyObject *
new_subtuple(PyObject *type, Py_ssize_t count, PyObject **items)
{
    PyTypeObject *tp = (PyTypeObject *)type;
    PyObject *made = tp->tp_alloc(tp, count);
    if (made == NULL) {
        for (Py_ssize_t i = 0; i < count; i++) {
            Py_DECREF(items[i]);
        }
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyTuple_SET_ITEM(made, i, items[i]);
    }
#if PY_VERSION_HEX >= 0x030E0000
    /* tuples cache their hash from 3.14 on; -1 is "not computed yet" (tp_alloc zeroes it) */
    ((PyTupleObject *)made)->ob_hash = -1;
#endif
    return made;
}

static int
frame_matches(PlanReader *self, const unsigned char *data)
{
    if (memcmp(data, DELIMITER, 3) != 0) {
        return 0;
    }
    Py_ssize_t name_size = PyBytes_GET_SIZE(self->name_hash);
    if (memcmp(data + 13, PyBytes_AS_STRING(self->name_hash), name_size) != 0) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < self->n_steps; i++) {
        const Step *step = &self->steps[i];
        if (data[step->id_at] != step->id) {
            return 0;
        }
        if (step->code == 's') {
            if (data[step->id_at + 1] != (unsigned char)step->count) {
                return 0;
            }
            const unsigned char *text = data + step->id_at + 2;
            for (Py_ssize_t k = 0; k < step->count; k++) {
                if (text[k] == 0 || text[k] >= 0x80) {
                    return 0;
                }
            }
        }
    }
    return 1;
}

static PyObject *
build_field(const Step *step, const unsigned char *data, PyObject *field_type)
{
    PyObject *values;
    if (step->code == 's') {
        PyObject *text = PyUnicode_DecodeASCII(
            (const char *)data + step->id_at + 2, step->count, NULL);
        if (text == NULL) {
            return NULL;
        }
        values = PyTuple_New(1);
        if (values == NULL) {
            Py_DECREF(text);
            return NULL;
        }
        PyTuple_SET_ITEM(values, 0, text);
    } else {
        int width = value_width(step->code);
        values = PyTuple_New(step->count);
        if (values == NULL) {
            return NULL;
        }
        const unsigned char *at = data + step->id_at + 1;
        for (Py_ssize_t k = 0; k < step->count; k++) {
            PyObject *value = read_value(at + k * width, step->code);
            if (value == NULL) {
                Py_DECREF(values);
                return NULL;
            }
            PyTuple_SET_ITEM(values, k, value);
        }
    }
    Py_INCREF(step->spec);
    PyObject *items[2] = {step->spec, values};
    return new_subtuple(field_type, 2, items);
}

static PyObject *
PlanReader_read(PlanReader *self, PyObject *raw)
{
    if (self->steps == NULL || self->steps_source == NULL || !PyBytes_CheckExact(raw)
        || PyBytes_GET_SIZE(raw) != self->size) {
        Py_RETURN_NONE;
    }
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(raw);
    if (!frame_matches(self, data)) {
        Py_RETURN_NONE;
    }
    PyObject *fields = PyTuple_New(self->n_steps);
    if (fields == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < self->n_steps; i++) {
        PyObject *field = build_field(&self->steps[i], data, self->field_type);
        if (field == NULL) {
            Py_DECREF(fields);
            return NULL;
        }
        PyTuple_SET_ITEM(fields, i, field);
    }
    PyObject *sequence = PyLong_FromLong(data[self->sequence_at]);
    if (sequence == NULL) {
        Py_DECREF(fields);
        return NULL;
    }
    PyObject *empty = PyTuple_New(0);
    if (empty == NULL) {
        Py_DECREF(fields);
        Py_DECREF(sequence);
        return NULL;
    }
    /* kind, frame_type, serial, node_name, sequence, fields, sensor_table, encrypted_as,
       ciphertext, unread */
    PyObject *items[10] = {
        PyTuple_GET_ITEM(self->head, 0), PyTuple_GET_ITEM(self->head, 1),
        PyTuple_GET_ITEM(self->head, 2), PyTuple_GET_ITEM(self->head, 3),
        sequence, fields, PyTuple_GET_ITEM(self->head, 4), empty, Py_None, empty,
    };
    Py_INCREF(items[0]);
    Py_INCREF(items[1]);
    Py_INCREF(items[2]);
    Py_INCREF(items[3]);
    Py_INCREF(items[6]);
    Py_INCREF(empty); /* held twice: encrypted_as and unread */
    Py_INCREF(Py_None);
    return new_subtuple(self->frame_type, 10, items);
}

/* The steps as given, checked against a frame of `size` bytes whose sequence byte is at
   `sequence_at`, in a new array of `count` steps (NULL with an exception set if any step does
   not fit). The specs are borrowed: the caller keeps `steps` alive. */
static Step *
parse_steps(PyObject *steps, Py_ssize_t size, Py_ssize_t sequence_at)
{
    Py_ssize_t count = PyTuple_GET_SIZE(steps);
    Step *parsed = PyMem_Calloc(count ? count : 1, sizeof(Step));
    if (parsed == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyTuple_GET_ITEM(steps, i);
        Step *step = &parsed[i];
        int id;
        PyObject *code;
        if (!PyTuple_Check(item)
            || !PyArg_ParseTuple(item, "niUnO", &step->id_at, &id, &code, &step->count,
                                 &step->spec)) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "a step is (id_at, id, code, count, spec)");
            }
            PyMem_Free(parsed);
            return NULL;
        }
        Py_UCS4 letter = PyUnicode_GET_LENGTH(code) == 1 ? PyUnicode_READ_CHAR(code, 0) : 0;
        step->code = letter < 0x80 ? (char)letter : 0;
        step->id = (unsigned char)id;
        Py_ssize_t width = step->code == 's' ? 1 : value_width(step->code);
        /* id_at is checked against the frame before anything is added to it */
        int fits = width > 0 && id >= 0 && id <= 255 && step->count >= 0
                   && step->id_at > sequence_at && step->id_at < size
                   && (step->code != 's' || step->count <= 255);
        if (fits) {
            Py_ssize_t first = step->id_at + (step->code == 's' ? 2 : 1); /* first value byte */
            fits = first <= size && step->count <= (size - first) / width;
        }
        if (!fits) {
            PyErr_Format(PyExc_ValueError, "step %zd does not fit the frame", i);
            PyMem_Free(parsed);
            return NULL;
        }
    }
    return parsed;
}

/* Whether `type` is a class statement's subclass of tuple and of nothing else that stores
   items (a named tuple): its instances are exactly as many items as allocated, which a
   struct sequence's are not. */
static int
plain_tuple_class(PyObject *type)
{
    PyTypeObject *tp = (PyTypeObject *)type;
    while (tp != NULL && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        if (tp->tp_itemsize != sizeof(PyObject *) || tp->tp_dictoffset != 0) {
            return 0;
        }
        tp = tp->tp_base;
    }
    if (tp != &PyTuple_Type) {
        return 0;
    }
    int structseq = PyObject_HasAttrString(type, "n_fields");
    return !structseq;
}

static int
PlanReader_init(PlanReader *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {
        "size", "name_hash", "sequence_at", "head", "steps", "field_type", "frame_type", NULL,
    };
    Py_ssize_t size, sequence_at;
    PyObject *name_hash, *head, *steps, *field_type, *frame_type;
    if (self->steps != NULL) {
        PyErr_SetString(PyExc_TypeError, "a PlanReader is made once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "$nO!nO!O!O!O!", keywords, &size,
                                     &PyBytes_Type, &name_hash, &sequence_at, &PyTuple_Type,
                                     &head, &PyTuple_Type, &steps, &PyType_Type, &field_type,
                                     &PyType_Type, &frame_type)) {
        return -1;
    }
    if (!plain_tuple_class(field_type) || !plain_tuple_class(frame_type)) {
        PyErr_SetString(PyExc_TypeError,
                        "field_type and frame_type are classes derived from tuple alone");
        return -1;
    }
    if (PyTuple_GET_SIZE(head) != 5
        || sequence_at != 13 + PyBytes_GET_SIZE(name_hash) || sequence_at >= size) {
        PyErr_SetString(PyExc_ValueError, "the plan's header does not fit its frame");
        return -1;
    }
    Step *parsed = parse_steps(steps, size, sequence_at);
    if (parsed == NULL) {
        return -1;
    }
    if (self->steps != NULL) { /* made meanwhile, by code that parsing the steps ran */
        PyMem_Free(parsed);
        PyErr_SetString(PyExc_TypeError, "a PlanReader is made once");
        return -1;
    }
    /* every check passed: only now does the reader take anything, so a reader whose
       __init__ failed holds nothing and reads nothing */
    self->size = size;
    self->sequence_at = sequence_at;
    Py_INCREF(name_hash);
    self->name_hash = name_hash;
    Py_INCREF(head);
    self->head = head;
    Py_INCREF(field_type);
    self->field_type = field_type;
    Py_INCREF(frame_type);
    self->frame_type = frame_type;
    Py_INCREF(steps);
    self->steps_source = steps;
    self->n_steps = PyTuple_GET_SIZE(steps);
    self->steps = parsed;
    return 0;
}

static int
PlanReader_traverse(PlanReader *self, visitproc visit, void *arg)
{
    Py_VISIT(self->name_hash);
    Py_VISIT(self->head);
    Py_VISIT(self->field_type);
    Py_VISIT(self->frame_type);
    Py_VISIT(self->steps_source);
    return 0;
}

static int
PlanReader_clear(PlanReader *self)
{
    Py_CLEAR(self->name_hash);
    Py_CLEAR(self->head);
    Py_CLEAR(self->field_type);
    Py_CLEAR(self->frame_type);
    Py_CLEAR(self->steps_source);
    return 0;
}

static void
PlanReader_dealloc(PlanReader *self)
{
    PyObject_GC_UnTrack(self);
    PlanReader_clear(self);
    PyMem_Free(self->steps); /* the specs are borrowed from steps_source */
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef PlanReader_methods[] = {
    {"read", (PyCFunction)PlanReader_read, METH_O,
     "read(raw) -> Frame | None: the frame raw holds if it has this plan's layout."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef PlanReader_members[] = {
    {"misses", T_PYSSIZET, offsetof(PlanReader, misses), 0,
     "frames in a row that did not fit this plan"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject PlanReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "openpcs.frames._plan_reader.PlanReader",
    .tp_doc = PyDoc_STR("One binary-frame plan, read in C (see openpcs.frames.binary_plans)."),
    .tp_basicsize = sizeof(PlanReader),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)PlanReader_init,
    .tp_dealloc = (destructor)PlanReader_dealloc,
    .tp_traverse = (traverseproc)PlanReader_traverse,
    .tp_clear = (inquiry)PlanReader_clear,
    .tp_methods = PlanReader_methods,
    .tp_members = PlanReader_members,
};

static struct PyModuleDef plan_reader_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "openpcs.frames._plan_reader",
    .m_doc = "The optional compiled reader of binary-frame plans.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__plan_reader(void)
{
    if (PyType_Ready(&PlanReaderType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&plan_reader_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&PlanReaderType);
    if (PyModule_AddObject(module, "PlanReader", (PyObject *)&PlanReaderType) < 0) {
        Py_DECREF(&PlanReaderType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
