// Shared subscriptions when a member goes away (MQTT 5 4.8.2): the messages the broker chose it
// for and it never got, or got at QoS 1 without acknowledging, go to another member of the same
// group. The spec lets a server wait for the member to come back (Mosquitto keeps them in the
// session); lampi hands them over as soon as the member's connection ends, persistent session
// or not, so a group keeps consuming while one consumer is down. A QoS 2 message already sent
// stays with its member: it may only be completed with that client [MQTT-4.8.2-4, -5].
#include <algorithm>

#include "base/log.h"
#include "broker/broker.h"
#include "topic/topic.h"

namespace lampi::broker {

namespace {

using Tree = topic::SubscriptionTree<Session*>;

// The member of `group` to take over a message from `leaving`: round robin among the online
// members, or (when `any_member`) an offline one if nobody is online.
const Tree::Entry* pick_heir(const Tree::SharedGroup& group, const Session* leaving,
                             bool any_member) {
    const auto& members = group.members;
    if (members.empty()) return nullptr;
    const std::uint32_t start = group.cursor.fetch_add(1, std::memory_order_relaxed);
    const Tree::Entry* offline = nullptr;
    for (std::size_t i = 0; i < members.size(); ++i) {
        const Tree::Entry& e = members[(start + i) % members.size()];
        if (e.subscriber == leaving) continue;
        if (e.subscriber->online()) return &e;
        if (offline == nullptr) offline = &e;
    }
    return any_member ? offline : nullptr;
}

// The shared subscriptions of `session`, as "$share/<group>/<filter>".
std::vector<std::string> shared_filters_of(const Session& session) {
    std::vector<std::string> out;
    for (const auto& [filter, sub] : session.subscriptions()) {
        if (topic::parse_shared_filter(filter).is_shared) out.push_back(filter);
    }
    return out;
}

}  // namespace

void Broker::hand_off_shared(Session& leaving, bool ends, TimePoint now) {
    std::vector<Delivery> orphans = leaving.take_shared_deliveries();
    if (orphans.empty()) return;
    const std::vector<std::string> filters = shared_filters_of(leaving);
    const bool upgrade = upgrade_outgoing_qos_.load(std::memory_order_relaxed);
    std::size_t handed = 0;
    std::size_t kept = 0;
    std::size_t dropped = 0;
    tree_.with_read([&](const Tree& tree) {
        for (Delivery& d : orphans) {
            const Tree::Entry* heir = nullptr;
            for (const std::string& filter : filters) {
                const Tree::SharedGroup* group = tree.shared_group(filter);
                const std::string_view plain = topic::parse_shared_filter(filter).filter;
                if (group == nullptr || !topic::matches(plain, d.message->topic)) continue;
                heir = pick_heir(*group, &leaving, ends);
                if (heir != nullptr) break;
            }
            if (heir == nullptr) {
                // Nobody else can take it: it waits in a session that lives on.
                if (!ends && leaving.deliver(std::move(d), now)) {
                    ++kept;
                } else {
                    ++dropped;
                }
                continue;
            }
            d.qos = upgrade ? heir->options.qos : std::min(d.message->qos, heir->options.qos);
            d.subscription_ids.clear();
            if (heir->subscription_id != 0) d.subscription_ids.push_back(heir->subscription_id);
            if (heir->subscriber->deliver(std::move(d), now)) ++handed;
        }
    });
    if (dropped > 0) Stats::add(stats_.publish_dropped, dropped);
    if (handed + dropped == 0) return;
    log(LogType::Notice,
        "Client {} left its shared subscriptions: {} message(s) handed to other members, {} kept "
        "in its session, {} dropped.",
        leaving.client_id(), handed, kept, dropped);
}

}  // namespace lampi::broker
