// Delivery accounting for one subscriber: which (publisher, sequence) pairs arrived, how often and
// in what order. A bitmap per expected publisher (one bit per sequence number, grown on demand),
// so a record costs no allocation once the bitmap has grown. Not thread-safe: the subscriber's
// worker thread owns it; read it after that thread stopped.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace lampi::bench {

// The sequence numbers seen from one publisher.
class SequenceTracker {
  public:
    enum class Outcome { New, Duplicate };

    // `expected_count` sizes the bitmap up front (it still grows past it).
    explicit SequenceTracker(std::uint64_t expected_count = 0);

    Outcome record(std::uint32_t sequence);

    std::uint64_t distinct() const { return distinct_; }
    std::uint64_t duplicates() const { return duplicates_; }
    // New sequences that arrived after a higher one from the same publisher.
    std::uint64_t out_of_order() const { return out_of_order_; }

  private:
    std::vector<std::uint64_t> bits_;
    std::uint64_t distinct_ = 0;
    std::uint64_t duplicates_ = 0;
    std::uint64_t out_of_order_ = 0;
    std::int64_t highest_ = -1;
};

// What one subscriber should receive: every message of publishers [first, first + count).
class SubscriberLedger {
  public:
    enum class Outcome { New, Duplicate, Stray };

    SubscriberLedger(std::uint32_t first_publisher, std::uint32_t publishers,
                     std::uint64_t expected_per_publisher);

    // Stray: from a publisher this subscriber should not hear from.
    Outcome record(std::uint32_t publisher, std::uint32_t sequence);

    std::uint64_t distinct() const;
    std::uint64_t duplicates() const;
    std::uint64_t out_of_order() const;
    // Messages sent to this subscriber but not received: `sent[p]` is what publisher p sent
    // (indexed by global publisher index; sequences 0 .. sent[p] - 1).
    std::uint64_t lost(std::span<const std::uint64_t> sent) const;
    // The full-delivery figure for `sent`.
    std::uint64_t expected(std::span<const std::uint64_t> sent) const;

  private:
    std::uint32_t first_;
    std::vector<SequenceTracker> trackers_;
};

}  // namespace lampi::bench
