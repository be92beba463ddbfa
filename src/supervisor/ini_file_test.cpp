#include "supervisor/ini_file.h"

#include <gtest/gtest.h>

namespace lampi::supervisor {
namespace {

TEST(IniFile, ReadsSectionsKeysAndLines) {
    std::vector<IniSection> s;
    std::vector<std::string> errors;
    parse_ini("; comment\n[program:a]\nCommand = /bin/true ; inline\nx: y#not a comment\n", "f", s,
              errors);
    ASSERT_TRUE(errors.empty());
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].name, "program:a");
    EXPECT_EQ(s[0].line, 2);
    ASSERT_NE(s[0].find("command"), nullptr);
    EXPECT_EQ(s[0].find("command")->value, "/bin/true");
    EXPECT_EQ(s[0].find("command")->line, 3);
    EXPECT_EQ(s[0].find("x")->value, "y#not a comment");
}

TEST(IniFile, JoinsIndentedContinuationLines) {
    std::vector<IniSection> s;
    std::vector<std::string> errors;
    parse_ini("[a]\nenvironment = A=1,\n    B=2\n", "f", s, errors);
    ASSERT_TRUE(errors.empty());
    EXPECT_EQ(s[0].find("environment")->value, "A=1,\nB=2");
}

TEST(IniFile, ReportsSyntaxErrorsWithFileAndLine) {
    std::vector<IniSection> s;
    std::vector<std::string> errors;
    parse_ini("orphan = 1\n[a\n[b]\nno separator here\n", "conf.ini", s, errors);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0], "conf.ini:1: key outside of any [section]");
    EXPECT_EQ(errors[1], "conf.ini:2: section header without closing ']'");
    EXPECT_NE(errors[2].find("conf.ini:4: [b]"), std::string::npos);
}

TEST(IniFile, LaterDuplicateKeysWin) {
    std::vector<IniSection> s;
    std::vector<std::string> errors;
    parse_ini("[a]\nk=1\nk=2\n", "f", s, errors);
    EXPECT_EQ(s[0].find("k")->value, "2");
}

}  // namespace
}  // namespace lampi::supervisor
