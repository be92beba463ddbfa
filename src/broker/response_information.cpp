#include "broker/response_information.h"

#include "topic/topic.h"

namespace lampi::broker {

namespace {
// A client id or username standing for one level: with '/', '+' or '#' in it, one client's
// prefix could reach into another's, or stop being a topic at all.
bool is_single_level(std::string_view s) {
    return s.find_first_of("/+#") == std::string_view::npos;
}
}  // namespace

std::optional<std::string> response_information_for(std::string_view template_text,
                                                    std::string_view client_id,
                                                    const std::optional<std::string>& username) {
    if (template_text.empty()) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < template_text.size(); ++i) {
        const char c = template_text[i];
        const char next = i + 1 < template_text.size() ? template_text[i + 1] : '\0';
        if (c == '%' && next == 'c') {
            if (!is_single_level(client_id)) return std::nullopt;
            out.append(client_id);
            ++i;
        } else if (c == '%' && next == 'u') {
            if (!username || !is_single_level(*username)) return std::nullopt;
            out.append(*username);
            ++i;
        } else {
            out.push_back(c);
        }
    }
    if (!topic::is_valid_topic_name(out)) return std::nullopt;
    return out;
}

}  // namespace lampi::broker
