#include "broker/broker.h"

#include <algorithm>

#include "base/log.h"
#include "topic/topic.h"

namespace lampi::broker {

namespace {

// One matching subscription of one session, before merging overlaps.
struct Target {
    Session* session;
    std::uint8_t qos;
    bool retain_as_published;
    std::uint32_t subscription_id;
    bool shared = false;
};

std::uint8_t delivery_qos(std::uint8_t message_qos, std::uint8_t granted, bool upgrade) {
    return upgrade ? granted : std::min(message_qos, granted);
}

// Picks the member of a shared group to receive the next message: round robin, preferring
// members that are online so a message does not wait in an offline member's queue.
template <class Group>
const auto* pick_shared_member(const Group& group) {
    const auto& members = group.members;
    if (members.empty()) return static_cast<decltype(&members[0])>(nullptr);
    const std::uint32_t start = group.cursor.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < members.size(); ++i) {
        const auto& m = members[(start + i) % members.size()];
        if (m.subscriber->online()) return &m;
    }
    return &members[start % members.size()];
}

// MQTT 3.1.1 3.3.5 / MQTT 5 3.3.4: overlapping subscriptions of one client give one copy at the
// highest QoS, carrying every matching subscription identifier.
void deliver_merged(std::vector<Target>& targets, const MessagePtr& m, bool upgrade, TimePoint now,
                    std::size_t& delivered) {
    if (targets.size() > 1) {
        std::sort(targets.begin(), targets.end(),
                  [](const Target& a, const Target& b) { return a.session < b.session; });
    }
    for (std::size_t i = 0; i < targets.size();) {
        Delivery d;
        d.message = m;
        Session* s = targets[i].session;
        std::uint8_t granted = 0;
        bool rap = false;
        const std::size_t first = i;
        for (; i < targets.size() && targets[i].session == s; ++i) {
            granted = std::max(granted, targets[i].qos);
            rap = rap || targets[i].retain_as_published;
            if (targets[i].subscription_id != 0) {
                d.subscription_ids.push_back(targets[i].subscription_id);
            }
        }
        d.qos = delivery_qos(m->qos, granted, upgrade);
        d.retain = rap && m->retain;
        // A copy that also serves a plain subscription stays with this client whatever happens.
        d.via_shared = i - first == 1 && targets[first].shared;
        if (s->deliver(std::move(d), now)) ++delivered;
    }
}

}  // namespace

Broker::Broker(const Settings& settings)
    : settings_(std::make_shared<const Settings>(settings)),
      upgrade_outgoing_qos_(settings.upgrade_outgoing_qos) {
    MemoryBudget::set_limit(settings.memory_limit);
}

Settings Broker::settings() const { return *shared_settings(); }

std::shared_ptr<const Settings> Broker::shared_settings() const {
    std::lock_guard lock(settings_mutex_);
    return settings_;
}

void Broker::update_settings(const Settings& s) {
    auto next = std::make_shared<const Settings>(s);
    {
        std::lock_guard lock(settings_mutex_);
        settings_ = next;
    }
    upgrade_outgoing_qos_.store(s.upgrade_outgoing_qos, std::memory_order_relaxed);
    MemoryBudget::set_limit(s.memory_limit);  // Mosquitto reloads memory_limit too
    std::lock_guard lock(registry_mutex_);
    for (auto& [id, entry] : registry_) entry.session->update_settings(next);
}

SessionClaim Broker::claim_session(const std::string& client_id, bool clean_start,
                                   SessionOwner* owner, TimePoint now) {
    std::lock_guard lock(registry_mutex_);
    if (pending_wills_.erase(client_id) > 0 && journal_ != nullptr)
        journal_->will_removed(client_id);
    auto it = registry_.find(client_id);
    if (it != registry_.end() && it->second.owner == nullptr && it->second.session->expired(now)) {
        // Past its expiry but not yet swept (tick runs once a second): it is gone all the same.
        expire_session_locked(client_id, now);
        it = registry_.end();
    }
    if (it != registry_.end()) {
        if (it->second.owner != nullptr && it->second.owner != owner) {
            it->second.owner->kick(mqtt::reason::kSessionTakenOver);
        }
        if (!clean_start) {
            it->second.owner = owner;
            return {it->second.session, true};
        }
        remove_session_locked(client_id, now);
    }
    auto session = std::make_shared<Session>(client_id, shared_settings(), stats_);
    session->set_journal(journal_);
    registry_.emplace(client_id, RegistryEntry{session, owner});
    return {session, false};
}

void Broker::release_session(const std::shared_ptr<Session>& session, SessionOwner* owner,
                             TimePoint now) {
    std::lock_guard lock(registry_mutex_);
    auto it = registry_.find(session->client_id());
    if (it == registry_.end() || it->second.session != session) {
        // A clean start discarded this session while its connection was still attached.
        hand_off_shared(*session, true, now);
        return;
    }
    if (it->second.owner != owner) return;  // taken over: the session lives on
    it->second.owner = nullptr;
    session->set_disconnected_at(now);
    if (session->expiry_interval() == 0) {
        remove_session_locked(session->client_id(), now);
    } else {
        hand_off_shared(*session, false, now);
    }
}

void Broker::remove_session_locked(const std::string& client_id, TimePoint now) {
    auto it = registry_.find(client_id);
    if (it == registry_.end()) return;
    if (journal_ != nullptr && it->second.session->persistent()) {
        journal_->session_removed(client_id);
    }
    hand_off_shared(*it->second.session, true, now);
    drop_subscriptions(*it->second.session);
    registry_.erase(it);
}

void Broker::set_journal(Journal* journal) {
    std::lock_guard lock(registry_mutex_);
    journal_ = journal;
    for (auto& [client_id, entry] : registry_) entry.session->set_journal(journal);
}

std::shared_ptr<Session> Broker::restore_session(const std::string& client_id, std::uint32_t expiry,
                                                 std::optional<TimePoint> disconnected_at) {
    auto session = std::make_shared<Session>(client_id, shared_settings(), stats_);
    session->set_expiry_interval(expiry);
    if (disconnected_at) session->set_disconnected_at(*disconnected_at);
    session->set_journal(journal_);
    std::lock_guard lock(registry_mutex_);
    registry_[client_id] = RegistryEntry{session, nullptr};
    return session;
}

void Broker::restore_subscription(const std::shared_ptr<Session>& session,
                                  const std::string& filter, const mqtt::SubscribeOptions& options,
                                  std::uint32_t subscription_id) {
    tree_.with_write(
        [&](Tree& tree) { tree.subscribe(filter, session.get(), options, subscription_id); });
    session->add_subscription(filter, {options, subscription_id});
}

void Broker::restore_will(const std::string& client_id, MessagePtr will, TimePoint when) {
    std::lock_guard lock(registry_mutex_);
    pending_wills_[client_id] = PendingWill{std::move(will), when};
}

void Broker::restore_retained(const MessagePtr& message) {
    retained_.with_write(
        [&](topic::RetainedTree<MessagePtr>& tree) { tree.set(message->topic, message); });
}

// The session keeps its own record: a discarded session's shared subscriptions still name the
// groups its messages are handed to (release_session).
void Broker::drop_subscriptions(Session& session) {
    auto subs = session.subscriptions();
    if (subs.empty()) return;
    tree_.with_write([&](Tree& tree) {
        for (const auto& [filter, sub] : subs) tree.unsubscribe(filter, &session);
    });
}

std::size_t Broker::publish(const MessagePtr& message, const Session* origin, TimePoint now) {
    if (message->retain) store_retained(message);
    const bool upgrade = upgrade_outgoing_qos_.load(std::memory_order_relaxed);
    thread_local std::vector<Target> targets;
    targets.clear();
    std::size_t delivered = 0;
    tree_.with_read([&](const Tree& tree) {
        tree.match(
            message->topic,
            [&](const Tree::Entry& e) {
                if (e.options.no_local && e.subscriber == origin) return;
                targets.push_back({e.subscriber, e.options.qos, e.options.retain_as_published,
                                   e.subscription_id});
            },
            [&](std::string_view, const Tree::SharedGroup& group) {
                const auto* e = pick_shared_member(group);
                if (e == nullptr) return;
                targets.push_back({e->subscriber, e->options.qos, false, e->subscription_id, true});
            });
        deliver_merged(targets, message, upgrade, now, delivered);
    });
    return delivered;
}

void Broker::store_retained(const MessagePtr& message) {
    // $SYS is republished every sys_interval and would be stale after a restart: not stored
    // (Mosquitto does not save it either).
    Journal* journal = message->topic.starts_with("$SYS") ? nullptr : journal_;
    retained_.with_write([&](topic::RetainedTree<MessagePtr>& tree) {
        if (message->payload.empty()) {
            if (tree.erase(message->topic) && journal != nullptr) {
                journal->retained_cleared(message->topic);
            }
        } else {
            tree.set(message->topic, message);
            if (journal != nullptr) journal->retained_set(message);
        }
    });
}

std::vector<Delivery> Broker::retained_for(const std::string& filter, std::uint8_t qos,
                                           TimePoint now) const {
    std::vector<Delivery> out;
    const bool upgrade = upgrade_outgoing_qos_.load(std::memory_order_relaxed);
    retained_.with_read([&](const topic::RetainedTree<MessagePtr>& tree) {
        tree.match(filter, [&](std::string_view, const MessagePtr& m) {
            if (m->expired(now)) return;
            Delivery d;
            d.message = m;
            d.qos = delivery_qos(m->qos, qos, upgrade);
            d.retain = true;
            out.push_back(std::move(d));
        });
    });
    return out;
}

SubscribeOutcome Broker::subscribe(const std::shared_ptr<Session>& session,
                                   const std::string& filter, const mqtt::SubscribeOptions& options,
                                   std::uint32_t subscription_id, TimePoint now) {
    const bool is_new = tree_.with_write([&](Tree& tree) {
        return tree.subscribe(filter, session.get(), options, subscription_id);
    });
    session->add_subscription(filter, {options, subscription_id});
    SubscribeOutcome outcome;
    outcome.reason_code = options.qos;
    const bool shared = topic::parse_shared_filter(filter).is_shared;
    // MQTT 5 3.3.1.3 / 3.8.3.1: retain handling 0 sends always, 1 only for a new subscription,
    // 2 never; shared subscriptions never get retained messages.
    const bool send_retained =
        !shared && (options.retain_handling == 0 || (options.retain_handling == 1 && is_new));
    if (send_retained) {
        for (auto& d : retained_for(filter, options.qos, now)) {
            if (subscription_id != 0) d.subscription_ids.push_back(subscription_id);
            outcome.retained.push_back(std::move(d));
        }
    }
    return outcome;
}

bool Broker::unsubscribe(Session& session, const std::string& filter) {
    session.remove_subscription(filter);
    return tree_.with_write([&](Tree& tree) { return tree.unsubscribe(filter, &session); });
}

void Broker::schedule_will(const std::string& client_id, MessagePtr will, TimePoint when,
                           SessionOwner* owner) {
    std::lock_guard lock(registry_mutex_);
    if (owner != nullptr) {
        auto it = registry_.find(client_id);
        if (it != registry_.end() && it->second.owner != nullptr && it->second.owner != owner)
            return;
    }
    if (journal_ != nullptr) journal_->will_saved(client_id, will, when);
    pending_wills_[client_id] = PendingWill{std::move(will), when};
}

void Broker::fire_due_wills(TimePoint now) {
    std::vector<std::pair<std::string, MessagePtr>> due;
    {
        std::lock_guard lock(registry_mutex_);
        for (auto it = pending_wills_.begin(); it != pending_wills_.end();) {
            // MQTT 5 3.1.3.2.2: the will goes out when the delay passes or the session ends.
            auto reg = registry_.find(it->first);
            const bool session_gone = reg == registry_.end();
            if (now >= it->second.when || session_gone) {
                due.emplace_back(it->first, std::move(it->second.will));
                it = pending_wills_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const auto& [client_id, will] : due) {
        publish(will, nullptr, now);
        if (journal_ != nullptr) journal_->will_removed(client_id);
    }
}

void Broker::expire_sessions(TimePoint now) {
    std::lock_guard lock(registry_mutex_);
    std::vector<std::string> expired;
    for (const auto& [client_id, entry] : registry_) {
        if (entry.owner == nullptr && entry.session->expired(now)) expired.push_back(client_id);
    }
    for (const std::string& client_id : expired) expire_session_locked(client_id, now);
}

void Broker::expire_session_locked(const std::string& client_id, TimePoint now) {
    log(LogType::Notice, "Expiring client {} due to timeout.", client_id);
    Stats::add(stats_.clients_expired);
    remove_session_locked(client_id, now);
}

void Broker::tick(TimePoint now) {
    expire_sessions(now);
    fire_due_wills(now);
    retained_.with_write([&](topic::RetainedTree<MessagePtr>& tree) {
        tree.erase_if([&](std::string_view, const MessagePtr& m) { return m->expired(now); });
    });
}

std::size_t Broker::session_count() const {
    std::lock_guard lock(registry_mutex_);
    return registry_.size();
}

std::size_t Broker::subscription_count() const {
    return tree_.with_read([](const Tree& t) { return t.size(); });
}

std::size_t Broker::retained_count() const {
    return retained_.with_read([](const topic::RetainedTree<MessagePtr>& t) { return t.size(); });
}

void Broker::for_each_subscription(
    const std::function<void(std::string_view, std::string_view, const mqtt::SubscribeOptions&)>& f)
    const {
    tree_.with_read([&](const Tree& tree) {
        tree.for_each([&](std::string_view filter, const Tree::Entry& e) {
            f(filter, e.subscriber->client_id(), e.options);
        });
    });
}

}  // namespace lampi::broker
