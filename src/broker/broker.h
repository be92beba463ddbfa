// The broker's shared state: the session registry, the subscription tree, retained messages and
// pending wills, and the routing of a PUBLISH to every matching session.
// Thread-safe: each worker thread calls in for its own connections. Matching takes a read lock on
// the tree and delivers while holding it; subscribe/unsubscribe take the write lock.
// Lock order: registry -> tree -> session -> outlet; retained is taken alone.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/guarded.h"
#include "broker/journal.h"
#include "broker/message.h"
#include "broker/session.h"
#include "broker/settings.h"
#include "broker/stats.h"
#include "mqtt/packet.h"
#include "topic/retained_tree.h"
#include "topic/subscription_tree.h"

namespace lampi::broker {

// The party that holds a session's connection; the broker asks it to leave on takeover.
class SessionOwner {
  public:
    virtual ~SessionOwner() = default;
    // Thread-safe: called from the thread of the connection that takes the session over.
    virtual void kick(std::uint8_t reason) = 0;
};

struct SessionClaim {
    std::shared_ptr<Session> session;
    bool session_present = false;
};

// A granted subscription with the retained messages the client is to receive for it.
struct SubscribeOutcome {
    std::uint8_t reason_code = 0;
    std::vector<Delivery> retained;
};

class Broker {
  public:
    explicit Broker(const Settings& settings);

    Stats& stats() { return stats_; }
    // Persistence: set at start-up after restore, before any client connects (and to nullptr at
    // shutdown). The sessions restored meanwhile get it too: without it they would queue new
    // messages, and forget acknowledged ones, in memory only.
    void set_journal(Journal* journal);
    Journal* journal() const { return journal_; }
    // Start-up restore (not journaled again).
    std::shared_ptr<Session> restore_session(const std::string& client_id, std::uint32_t expiry,
                                             std::optional<TimePoint> disconnected_at);
    void restore_subscription(const std::shared_ptr<Session>& session, const std::string& filter,
                              const mqtt::SubscribeOptions& options, std::uint32_t subscription_id);
    void restore_retained(const MessagePtr& message);
    void restore_will(const std::string& client_id, MessagePtr will, TimePoint when);
    Settings settings() const;
    // The current settings, shared (not copied) by sessions and connections.
    std::shared_ptr<const Settings> shared_settings() const;
    void update_settings(const Settings& s);

    // CONNECT: finds or creates the session and records `owner` as its holder, kicking the
    // previous holder (session takeover). With clean_start an existing session is discarded.
    // Cancels a pending delayed will of the same client id.
    SessionClaim claim_session(const std::string& client_id, bool clean_start, SessionOwner* owner,
                               TimePoint now);
    // The owner's connection ended. When the session does not outlive it (expiry 0), it is
    // removed with its subscriptions. No-op if `owner` no longer holds the session.
    void release_session(const std::shared_ptr<Session>& session, SessionOwner* owner,
                         TimePoint now);

    // Routes a message to every matching subscriber; stores or clears it as retained.
    // Returns the number of sessions it was delivered or queued to.
    std::size_t publish(const MessagePtr& message, const Session* origin, TimePoint now);

    SubscribeOutcome subscribe(const std::shared_ptr<Session>& session, const std::string& filter,
                               const mqtt::SubscribeOptions& options, std::uint32_t subscription_id,
                               TimePoint now);
    // Returns true if the subscription existed.
    bool unsubscribe(Session& session, const std::string& filter);

    // A will to publish later (MQTT 5 will delay), unless the client reconnects first. `owner`
    // is the connection that ended: if another one already holds the session, the client came
    // back in time and the will is dropped (MQTT 5 3.1.3.2.2).
    void schedule_will(const std::string& client_id, MessagePtr will, TimePoint when,
                       SessionOwner* owner = nullptr);

    // Housekeeping, called about once a second: delayed wills, session expiry, retained expiry.
    void tick(TimePoint now);

    std::size_t session_count() const;
    std::size_t subscription_count() const;
    std::size_t retained_count() const;
    // Calls f(filter, client_id, options) for each subscription (SIGUSR2 dump).
    void for_each_subscription(const std::function<void(std::string_view, std::string_view,
                                                        const mqtt::SubscribeOptions&)>& f) const;

  private:
    struct RegistryEntry {
        std::shared_ptr<Session> session;
        SessionOwner* owner = nullptr;
    };
    struct PendingWill {
        MessagePtr will;
        TimePoint when;
    };
    using Tree = topic::SubscriptionTree<Session*>;

    void remove_session_locked(const std::string& client_id, TimePoint now);
    void expire_session_locked(const std::string& client_id, TimePoint now);
    // Shared subscriptions (MQTT 5 4.8.2, shared_handoff.cpp): gives what `leaving`, now offline,
    // holds through its shared subscriptions to other members of the same groups, online ones
    // first. A message no other member can take stays with a session that lives on, and is
    // dropped with one that `ends`. Called with registry_mutex_ held.
    void hand_off_shared(Session& leaving, bool ends, TimePoint now);
    void drop_subscriptions(Session& session);
    void store_retained(const MessagePtr& message);
    std::vector<Delivery> retained_for(const std::string& filter, std::uint8_t qos,
                                       TimePoint now) const;
    void fire_due_wills(TimePoint now);
    void expire_sessions(TimePoint now);

    Stats stats_;
    mutable std::mutex settings_mutex_;
    std::shared_ptr<const Settings> settings_;
    std::atomic<bool> upgrade_outgoing_qos_{false};
    mutable std::mutex registry_mutex_;
    std::unordered_map<std::string, RegistryEntry> registry_;
    std::unordered_map<std::string, PendingWill> pending_wills_;  // under registry_mutex_
    Guarded<Tree> tree_;
    Guarded<topic::RetainedTree<MessagePtr>> retained_;
    Journal* journal_ = nullptr;
};

}  // namespace lampi::broker
