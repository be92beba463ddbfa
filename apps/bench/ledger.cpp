#include "bench/ledger.h"

namespace lampi::bench {

SequenceTracker::SequenceTracker(std::uint64_t expected_count) {
    bits_.reserve(static_cast<std::size_t>((expected_count + 63) / 64));
}

SequenceTracker::Outcome SequenceTracker::record(std::uint32_t sequence) {
    const std::size_t word = sequence / 64;
    const std::uint64_t mask = std::uint64_t{1} << (sequence % 64);
    if (word >= bits_.size()) bits_.resize(word + 1, 0);
    if ((bits_[word] & mask) != 0) {
        ++duplicates_;
        return Outcome::Duplicate;
    }
    bits_[word] |= mask;
    ++distinct_;
    if (static_cast<std::int64_t>(sequence) < highest_) {
        ++out_of_order_;
    } else {
        highest_ = sequence;
    }
    return Outcome::New;
}

SubscriberLedger::SubscriberLedger(std::uint32_t first_publisher, std::uint32_t publishers,
                                   std::uint64_t expected_per_publisher)
    : first_(first_publisher), trackers_(publishers, SequenceTracker(expected_per_publisher)) {}

SubscriberLedger::Outcome SubscriberLedger::record(std::uint32_t publisher,
                                                   std::uint32_t sequence) {
    if (publisher < first_ || publisher - first_ >= trackers_.size()) return Outcome::Stray;
    return trackers_[publisher - first_].record(sequence) == SequenceTracker::Outcome::New
               ? Outcome::New
               : Outcome::Duplicate;
}

std::uint64_t SubscriberLedger::distinct() const {
    std::uint64_t n = 0;
    for (const auto& t : trackers_) n += t.distinct();
    return n;
}

std::uint64_t SubscriberLedger::duplicates() const {
    std::uint64_t n = 0;
    for (const auto& t : trackers_) n += t.duplicates();
    return n;
}

std::uint64_t SubscriberLedger::out_of_order() const {
    std::uint64_t n = 0;
    for (const auto& t : trackers_) n += t.out_of_order();
    return n;
}

std::uint64_t SubscriberLedger::expected(std::span<const std::uint64_t> sent) const {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < trackers_.size(); ++i) {
        const std::size_t p = first_ + i;
        if (p < sent.size()) n += sent[p];
    }
    return n;
}

std::uint64_t SubscriberLedger::lost(std::span<const std::uint64_t> sent) const {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < trackers_.size(); ++i) {
        const std::size_t p = first_ + i;
        const std::uint64_t s = p < sent.size() ? sent[p] : 0;
        // A sequence at or past `sent` cannot have been received; distinct <= sent.
        if (s > trackers_[i].distinct()) n += s - trackers_[i].distinct();
    }
    return n;
}

}  // namespace lampi::bench
