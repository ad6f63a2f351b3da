/*
 * test_sync.c - ac_queue, ac_sem, ac_event between tasks.
 *
 *  A. queue of capacity 2: 4 producers put 500 items each (with a yield now
 *     and then), 3 consumers get until they see a NULL sentinel.  Every item
 *     arrives exactly once, the queue never holds more than 2, and producers
 *     really waited (a put found the queue full).  Then again with a single
 *     consumer, which must see each producer's items in order.
 *  B. a semaphore of 3 bounds 40 workers that each hold it for 2 ms: at
 *     most 3 run at once, and 3 do run at once.
 *  C. an event releases 20 waiters at once, and not before it is set; a wait
 *     on a set event returns at once; after clear, waits suspend again.
 *  D. cancelled waiters (get on an empty queue, acquire, event wait) return
 *     AC_ECANCELED, leave their lists, and lose nothing: a later put / release
 *     goes to the next waiter.
 */
#include "io_test.h"

#define PRODUCERS 4
#define CONSUMERS 3
#define PER_PRODUCER 500

static ac_queue q;
static int seen[PRODUCERS][PER_PRODUCER];
static int last_from[PRODUCERS];
static size_t max_size;
static int producer_waited, consumed, single_consumer;

static void note_size(void)
{
    if (ac_queue_size(&q) > max_size)
        max_size = ac_queue_size(&q);
}

/* async int producer(int p) */
struct producer__frame {
    ac_coro co;
    int ret;
    int p, k;
    union {
        struct ac_queue_put__frame put;
        struct ac_yield__frame y;
    } sub;
};
static void producer__resume(ac_coro *co)
{
    struct producer__frame *f = (struct producer__frame *)co;
    CO_BEGIN(co);
    for (f->k = 0; f->k < PER_PRODUCER; f->k++) {
        /* item = producer * PER_PRODUCER + k + 1 (never NULL) */
        ac_queue_put__init(&f->sub.put, &q,
                           (void *)(intptr_t)(f->p * PER_PRODUCER + f->k + 1));
        if (ac_await(co, &f->sub.put.co, 1)) {
            producer_waited = 1;
            return;
        }
        __attribute__((fallthrough));
    case 1:
        CHECK_EQ(f->sub.put.ret, 0);
        note_size();
        if (f->k % 7 == 0) {
            ac_yield__init(&f->sub.y);
            CO_AWAIT(co, &f->sub.y, 2);
        }
    }
    CO_RETURN(co);
    CO_END;
}
static void producer__init(struct producer__frame *f, int p)
{
    memset(f, 0, sizeof *f);
    f->co.resume = producer__resume;
    f->p = p;
}

/* async int consumer(void) */
struct consumer__frame {
    ac_coro co;
    int ret;
    void *item;
    struct ac_queue_get__frame get;
};
static void consumer__resume(ac_coro *co)
{
    struct consumer__frame *f = (struct consumer__frame *)co;
    CO_BEGIN(co);
    for (;;) {
        ac_queue_get__init(&f->get, &q, &f->item);
        CO_AWAIT(co, &f->get, 1);
        CHECK_EQ(f->get.ret, 0);
        note_size();
        if (f->item == NULL)
            break;
        {
            int v = (int)(intptr_t)f->item - 1;
            int p = v / PER_PRODUCER, k = v % PER_PRODUCER;
            CHECK(p >= 0 && p < PRODUCERS);
            CHECK_EQ(seen[p][k], 0);
            seen[p][k] = 1;
            /* With one consumer, each producer's items come in order (with
             * several, a consumer may record an item later than another
             * consumer records a newer one). */
            if (single_consumer)
                CHECK(k > last_from[p]);
            last_from[p] = k;
            consumed++;
        }
    }
    CO_RETURN(co);
    CO_END;
}
static void consumer__init(struct consumer__frame *f)
{
    memset(f, 0, sizeof *f);
    f->co.resume = consumer__resume;
}

/* ---- B */
static ac_sem sem;
static int active, max_active, b_done;

struct worker__frame {
    ac_coro co;
    int ret;
    union {
        struct ac_sem_acquire__frame a;
        struct ac_sleep__frame s;
    } sub;
};
static void worker__resume(ac_coro *co)
{
    struct worker__frame *f = (struct worker__frame *)co;
    CO_BEGIN(co);
    ac_sem_acquire__init(&f->sub.a, &sem);
    CO_AWAIT(co, &f->sub.a, 1);
    CHECK_EQ(f->sub.a.ret, 0);
    active++;
    if (active > max_active)
        max_active = active;
    ac_sleep__init(&f->sub.s, 2);
    CO_AWAIT(co, &f->sub.s, 2);
    active--;
    b_done++;
    ac_sem_release(&sem);
    CO_RETURN(co);
    CO_END;
}
static void worker__init(struct worker__frame *f)
{
    memset(f, 0, sizeof *f);
    f->co.resume = worker__resume;
}

/* ---- C */
static ac_event ev;
static int released, set_done;

struct ev_waiter__frame {
    ac_coro co;
    int ret;
    struct ac_event_wait__frame w;
};
static void ev_waiter__resume(ac_coro *co)
{
    struct ev_waiter__frame *f = (struct ev_waiter__frame *)co;
    CO_BEGIN(co);
    ac_event_wait__init(&f->w, &ev);
    CO_AWAIT(co, &f->w, 1);
    CHECK_EQ(f->w.ret, 0);
    CHECK(set_done); /* not released before the set */
    released++;
    CO_RETURN(co);
    CO_END;
}
static void ev_waiter__init(struct ev_waiter__frame *f)
{
    memset(f, 0, sizeof *f);
    f->co.resume = ev_waiter__resume;
}

/* ---- D: a generic "await one frame, record its int result" child */
struct one__frame {
    ac_coro co;
    int ret;
    ac_coro *sub; /* an initialised leaf frame, { ac_coro co; int ret; } */
    int *out;
};
static void one__resume(ac_coro *co)
{
    struct one__frame *f = (struct one__frame *)co;
    CO_BEGIN(co);
    if (ac_await(co, f->sub, 1))
        return;
    __attribute__((fallthrough));
    case 1:
    *f->out = ((struct one__frame *)f->sub)->ret; /* same { co; ret } view */
    CO_RETURN(co);
    CO_END;
}
static void one__init(struct one__frame *f, ac_coro *sub, int *out)
{
    memset(f, 0, sizeof *f);
    f->co.resume = one__resume;
    f->sub = sub;
    f->out = out;
}

struct main__frame {
    ac_coro co;
    int ret;
    ac_group g;
    int i;
    int r1, r2, r3, r4;
    void *got;
    struct ac_queue_get__frame dget;
    struct ac_sem_acquire__frame dacq, dacq2;
    struct ac_event_wait__frame dwait;
    union {
        struct ac_join__frame j;
        struct ac_sleep__frame s;
        struct ac_queue_put__frame put;
        struct ac_event_wait__frame w;
        struct ac_queue_get__frame get;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    /* ---- A (f->i: round; round 1 has a single consumer) */
    ac_queue_init(&q, 2);
    ac_group_init(&f->g);
    for (f->r1 = 0; f->r1 < 2; f->r1++) {
        single_consumer = f->r1 == 1;
        memset(seen, 0, sizeof seen);
        consumed = 0;
        producer_waited = 0;
        max_size = 0;
        for (int p = 0; p < PRODUCERS; p++)
            last_from[p] = -1;
        for (int c = 0; c < (single_consumer ? 1 : CONSUMERS); c++)
            SPAWN(&f->g, struct consumer__frame, consumer__init);
        for (int p = 0; p < PRODUCERS; p++)
            SPAWN(&f->g, struct producer__frame, producer__init, p);
        /* Wait for the producers' items to drain, then stop the consumers. */
        while (consumed < PRODUCERS * PER_PRODUCER) {
            ac_sleep__init(&f->sub.s, 1);
            CO_AWAIT(co, &f->sub.s, 1);
        }
        for (f->i = 0; f->i < (single_consumer ? 1 : CONSUMERS); f->i++) {
            ac_queue_put__init(&f->sub.put, &q, NULL);
            CO_AWAIT(co, &f->sub.put, 2);
            CHECK_EQ(f->sub.put.ret, 0);
        }
        ac_join__init(&f->sub.j, &f->g);
        CO_AWAIT(co, &f->sub.j, 3);
        CHECK_EQ(consumed, PRODUCERS * PER_PRODUCER);
        for (int p = 0; p < PRODUCERS; p++)
            for (int k = 0; k < PER_PRODUCER; k++)
                CHECK_EQ(seen[p][k], 1);
        CHECK(max_size <= 2);
        CHECK(producer_waited);
        CHECK_EQ(ac_queue_size(&q), 0);
    }

    /* ---- B */
    ac_sem_init(&sem, 3);
    for (int i = 0; i < 40; i++)
        SPAWN(&f->g, struct worker__frame, worker__init);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 4);
    CHECK_EQ(b_done, 40);
    CHECK_EQ(max_active, 3);
    CHECK_EQ(sem.permits, 3);

    /* ---- C */
    ac_event_init(&ev);
    for (int i = 0; i < 20; i++)
        SPAWN(&f->g, struct ev_waiter__frame, ev_waiter__init);
    ac_sleep__init(&f->sub.s, 10);
    CO_AWAIT(co, &f->sub.s, 5);
    CHECK_EQ(released, 0);
    set_done = 1;
    ac_event_set(&ev);
    CHECK_EQ(released, 0); /* woken, but they run after us */
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 6);
    CHECK_EQ(released, 20);
    ac_event_wait__init(&f->sub.w, &ev);
    CHECK_EQ(ac_await(co, &f->sub.w.co, 7), 0); /* set: no suspension */
    CHECK_EQ(f->sub.w.ret, 0);
    ac_event_clear(&ev);
    CHECK(!ac_event_is_set(&ev));

    /* ---- D: three waiters in one group, cancelled together */
    f->r1 = f->r2 = f->r3 = f->r4 = 1;
    ac_queue_get__init(&f->dget, &q, &f->got);
    ac_sem_init(&sem, 0);
    ac_sem_acquire__init(&f->dacq, &sem);
    ac_event_wait__init(&f->dwait, &ev);
    SPAWN(&f->g, struct one__frame, one__init, &f->dget.co, &f->r1);
    SPAWN(&f->g, struct one__frame, one__init, &f->dacq.co, &f->r2);
    SPAWN(&f->g, struct one__frame, one__init, &f->dwait.co, &f->r3);
    ac_sleep__init(&f->sub.s, 5);
    CO_AWAIT(co, &f->sub.s, 8);
    CHECK_EQ(f->r1, 1);
    CHECK_EQ(f->r2, 1);
    CHECK_EQ(f->r3, 1);
    ac_group_cancel(&f->g);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 9);
    CHECK_EQ(f->r1, AC_ECANCELED);
    CHECK_EQ(f->r2, AC_ECANCELED);
    CHECK_EQ(f->r3, AC_ECANCELED);
    CHECK(q.getters.head == NULL && sem.waiters.head == NULL &&
          ev.waiters.head == NULL);
    /* Nothing was lost: a release now is a free permit, a put a stored item. */
    ac_sem_release(&sem);
    CHECK_EQ(sem.permits, 1);
    ac_sem_acquire__init(&f->dacq2, &sem);
    CHECK_EQ(ac_await(co, &f->dacq2.co, 10), 0);
    CHECK_EQ(f->dacq2.ret, 0);
    /* A getter waiting on an empty queue gets the next put directly. */
    ac_sem_acquire__init(&f->dacq, &sem);
    f->got = NULL;
    ac_queue_get__init(&f->dget, &q, &f->got);
    SPAWN(&f->g, struct one__frame, one__init, &f->dget.co, &f->r4);
    ac_queue_put__init(&f->sub.put, &q, (void *)&f->got);
    CHECK_EQ(ac_await(co, &f->sub.put.co, 11), 0);
    CHECK_EQ(ac_queue_size(&q), 0); /* handed over, not stored */
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 12);
    CHECK_EQ(f->r4, 0);
    CHECK(f->got == (void *)&f->got);

    ac_queue_destroy(&q);
    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

int main(void)
{
    struct main__frame f;
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);
    puts("test_sync: ok");
    return 0;
}
