/*
 * test_spawn_many.c - 100,000 spawned sleepers, joined.
 *
 * Every child sleeps 1..50 ms and returns its index * 3; the spawn's store
 * writes it into results[i].  While they sleep there are 100,000 timer-heap
 * entries and no uv handle per task; after the join every result is in
 * place, every frame went back to the free lists (frame_bytes 0), and the
 * sleeps completed in deadline order (checked through a shared sequence).
 * Argument "quick": 10,000 children (valgrind).
 */
#include "io_test.h"

static int n_children = 100000;
static int *results;
static uint64_t *finish_seq, next_seq;

/* async int child(int i): sleeps 1 + i % 50 ms, returns 3 * i. */
struct child__frame {
    ac_coro co;
    int ret;
    int i;
    struct ac_sleep__frame s;
};
static void child__resume(ac_coro *co)
{
    struct child__frame *f = (struct child__frame *)co;
    CO_BEGIN(co);
    ac_sleep__init(&f->s, 1 + (uint64_t)(f->i % 50));
    CO_AWAIT(co, &f->s, 1);
    CHECK_EQ(f->s.ret, 0);
    finish_seq[f->i] = next_seq++;
    f->ret = 3 * f->i;
    CO_RETURN(co);
    CO_END;
}

/* The spawn allocation of `spawn(g, results[i] = child(i))`. */
struct child_spawn {
    ac_spawn_child hdr;
    struct child__frame c;
    int *dst;
};
static void child_store(void *ctx)
{
    struct child_spawn *a = ctx;
    *a->dst = a->c.ret;
}

struct main__frame {
    ac_coro co;
    int ret;
    ac_group g;
    double t0;
    struct ac_join__frame j;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    ac_group_init(&f->g);
    f->t0 = wall_ms();
    for (int i = 0; i < n_children; i++) {
        struct child_spawn *a = ac_frame_alloc(sizeof *a);
        CHECK(a != NULL);
        memset(&a->c, 0, sizeof a->c);
        a->c.co.resume = child__resume;
        a->c.i = i;
        a->dst = &results[i];
        a->hdr.co = &a->c.co;
        a->hdr.store = child_store;
        a->hdr.ctx = a;
        a->hdr.alloc_size = sizeof *a;
        ac_spawn(&f->g, &a->hdr);
    }
    CHECK_EQ(ac_stats().sleepers, n_children);
    CHECK_EQ(ac_stats().live_tasks, n_children + 1);
    CHECK_EQ(ac_stats().open_handles, io_base_handles);
    CHECK(ac_stats().frame_bytes >= (size_t)n_children * sizeof(struct child_spawn));
    ac_join__init(&f->j, &f->g);
    CO_AWAIT(co, &f->j, 1);
    CHECK_EQ(f->j.ret, 0);
    for (int i = 0; i < n_children; i++)
        CHECK_EQ(results[i], 3 * i);
    /* Children i - 50 and i sleep equally long and were started at the
     * same loop time, i - 50 first: equal deadlines fire in start order. */
    for (int i = 50; i < n_children; i++)
        CHECK(finish_seq[i - 50] < finish_seq[i]);
    printf("spawned and joined %d sleepers in %.1f ms\n", n_children,
           wall_ms() - f->t0);
    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

int main(int argc, char **argv)
{
    struct main__frame f;
    if (quick_mode(argc, argv))
        n_children = 10000;
    results = calloc((size_t)n_children, sizeof *results);
    finish_seq = calloc((size_t)n_children, sizeof *finish_seq);
    CHECK(results != NULL && finish_seq != NULL);
    for (int i = 0; i < n_children; i++)
        results[i] = -1;
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);
    free(results);
    free(finish_seq);
    puts("test_spawn_many: ok");
    return 0;
}
