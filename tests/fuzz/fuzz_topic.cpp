// libFuzzer target for the topic module: validation must not crash, and the subscription and
// retained trees must agree with the reference matcher topic::matches().
// Input: "<filter>\n<name>". Build with -DLAMPI_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "topic/retained_tree.h"
#include "topic/subscription_tree.h"
#include "topic/topic.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace lampi::topic;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t newline = input.find('\n');
    std::string_view filter = input.substr(0, newline);
    std::string_view name = newline == std::string_view::npos ? "" : input.substr(newline + 1);

    bool filter_ok = is_valid_topic_filter(filter);
    bool name_ok = is_valid_topic_name(name);
    SharedFilter shared = parse_shared_filter(filter);
    if (!filter_ok || !name_ok || shared.is_shared) {
        return 0;
    }
    bool expected = matches(filter, name);

    SubscriptionTree<int> subscriptions;
    subscriptions.subscribe(filter, 1, {}, 0);
    // Too long once prefixed with "$share/g/" near the 65535-byte limit: then not added.
    bool shared_added = subscriptions.subscribe("$share/g/" + std::string(filter), 2, {}, 0);
    int entries = 0;
    int groups = 0;
    subscriptions.match(
        name, [&](const SubscriptionTree<int>::Entry&) { ++entries; },
        [&](std::string_view, const SubscriptionTree<int>::SharedGroup&) { ++groups; });
    if (entries != (expected ? 1 : 0) || groups != (shared_added ? entries : 0)) {
        std::abort();
    }

    RetainedTree<int> retained;
    retained.set(name, 1);
    int found = 0;
    retained.match(filter, [&](std::string_view, const int&) { ++found; });
    if (found != (expected ? 1 : 0) || !retained.erase(name) || !retained.empty()) {
        std::abort();
    }
    if (!subscriptions.unsubscribe(filter, 1) ||
        subscriptions.unsubscribe_all(2) != (shared_added ? 1u : 0u) || !subscriptions.empty()) {
        std::abort();
    }
    return 0;
}
