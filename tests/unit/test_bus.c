/* test_bus.c - the bus registry (backends by URL scheme, no fallback) and the local bus:
 * publish delivers with the room's epoch and seq, only to rooms subscribed, subscriptions nest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bus/bus.h"
#include "util/util.h"

typedef struct heard {
    int n;
    int64_t room;
    char epoch[32];
    uint64_t seq;
    char text[32];
} heard;

static void on_deliver(void *ud, int64_t room, const char *epoch, uint64_t seq, sr_msg *m)
{
    heard *h = ud;
    h->n++;
    h->room = room;
    h->seq = seq;
    snprintf(h->epoch, sizeof h->epoch, "%s", epoch);
    snprintf(h->text, sizeof h->text, "%s", sr_msg_bytes(m));
}

static void test_registry(void **state)
{
    (void)state;
    char known[64];
    heard h = {0};
    sr_bus_config cfg = {.deliver = on_deliver, .ud = &h};
    sr_bus *bus = (sr_bus *)&bus;
    assert_ptr_equal(sr_bus_find("local"), &sr_bus_local);
    assert_null(sr_bus_find("redis")); /* not in this build */
    assert_ptr_equal(sr_bus_for_url("local"), &sr_bus_local);
    assert_ptr_equal(sr_bus_for_url(NULL), &sr_bus_local);
    assert_ptr_equal(sr_bus_for_url(""), &sr_bus_local);
    assert_null(sr_bus_for_url("bogus://x"));
    assert_string_equal(sr_bus_known(known, sizeof known), "local");
    /* an unknown backend is an error, never the local bus instead */
    assert_int_equal(sr_bus_open("bogus://x", &cfg, &bus), SR_EINVAL);
    assert_null(bus);
    assert_int_equal(sr_bus_open("local", NULL, &bus), SR_EINVAL);
    assert_int_equal(sr_bus_open("local", &cfg, &bus), 0);
    assert_ptr_equal(bus->ops, &sr_bus_local);
    assert_int_equal(bus->ops->version, 2);
    bus->ops->close(bus);
}

static void test_local_publish_deliver(void **state)
{
    (void)state;
    heard h = {0};
    sr_bus_config cfg = {.deliver = on_deliver, .ud = &h};
    sr_bus *bus;
    assert_int_equal(sr_bus_open("local", &cfg, &bus), 0);
    sr_msg *m = sr_msg_new("{\"type\":\"chat\"}", 15);

    /* nobody here listens to room 7: nothing is delivered */
    assert_int_equal(bus->ops->publish(bus, 7, "abcd", 1, m), 0);
    assert_int_equal(h.n, 0);

    assert_int_equal(bus->ops->subscribe(bus, 7), 0);
    assert_int_equal(bus->ops->publish(bus, 7, "abcd", 2, m), 0);
    assert_int_equal(h.n, 1); /* at once, on this thread */
    assert_int_equal(h.room, 7);
    assert_string_equal(h.epoch, "abcd");
    assert_int_equal(h.seq, 2);
    assert_string_equal(h.text, "{\"type\":\"chat\"}");
    assert_int_equal(bus->ops->publish(bus, 8, "abcd", 1, m), 0);
    assert_int_equal(h.n, 1); /* another room */

    /* subscriptions nest */
    assert_int_equal(bus->ops->subscribe(bus, 7), 0);
    assert_int_equal(bus->ops->unsubscribe(bus, 7), 0);
    assert_int_equal(bus->ops->publish(bus, 7, "abcd", 3, m), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(bus->ops->unsubscribe(bus, 7), 0);
    assert_int_equal(bus->ops->publish(bus, 7, "abcd", 4, m), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(bus->ops->unsubscribe(bus, 7), SR_EINVAL); /* not subscribed */
    assert_int_equal(bus->ops->subscribe(bus, 0), SR_EINVAL);

    /* many rooms (the table grows), each heard only while subscribed */
    for (int64_t r = 100; r < 1100; r++)
        assert_int_equal(bus->ops->subscribe(bus, r), 0);
    for (int64_t r = 100; r < 1100; r += 2)
        assert_int_equal(bus->ops->unsubscribe(bus, r), 0);
    h.n = 0;
    for (int64_t r = 100; r < 1100; r++)
        bus->ops->publish(bus, r, "e", (uint64_t)r, m);
    assert_int_equal(h.n, 500);
    assert_int_equal(h.room, 1099);

    /* the loop hooks exist and do nothing on a bus with no socket */
    bus->ops->on_fd(bus, 3, SR_BUS_READ);
    bus->ops->on_timer(bus);
    sr_msg_unref(m);
    bus->ops->close(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_local_publish_deliver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
