#include "server/http_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lampi::server {
namespace {

namespace fs = std::filesystem;

class HttpFile : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("lampi-http-" + std::to_string(::getpid()));
        fs::create_directories(dir_ / "root" / "sub");
        std::ofstream(dir_ / "root" / "index.html") << "<h1>lamp</h1>";
        std::ofstream(dir_ / "root" / "sub" / "app.js") << "x()";
        std::ofstream(dir_ / "secret.txt") << "secret";
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string root() const { return (dir_ / "root").string(); }
    fs::path dir_;
};

TEST_F(HttpFile, ServesIndexForTheRootAndTypesByExtension) {
    auto r = serve_http_file(root(), "/");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "<h1>lamp</h1>");
    EXPECT_EQ(r.content_type, "text/html");
    auto js = serve_http_file(root(), "/sub/app.js?v=2");
    EXPECT_EQ(js.status, 200u);
    EXPECT_EQ(js.content_type, "text/javascript");
}

TEST_F(HttpFile, RefusesEveryWayOutOfTheRoot) {
    for (const char* target :
         {"//etc/passwd", "/../secret.txt", "/sub/../../secret.txt", "/./index.html",
          "/sub//app.js", "/..%2fsecret.txt/..", "/sub\\..\\..\\secret.txt", "relative"}) {
        auto r = serve_http_file(root(), target);
        EXPECT_NE(r.status, 200u) << target;
        EXPECT_EQ(r.body.find("secret"), std::string::npos) << target;
    }
    EXPECT_EQ(serve_http_file(root(), "//etc/passwd").status, 403u);
}

TEST_F(HttpFile, MissingFilesAndDirectoriesAre404) {
    EXPECT_EQ(serve_http_file(root(), "/nope.html").status, 404u);
    EXPECT_EQ(serve_http_file(root(), "/sub").status, 404u);
    EXPECT_EQ(serve_http_file("", "/index.html").status, 404u);
}

}  // namespace
}  // namespace lampi::server
