import FastCGI
import Testing

@Suite struct ParsingTests {
    @Test func decodesFormsAndQueries() {
        let values = FormValues(urlEncoded: "a=1&b=two+words&c=%C3%A9t%C3%A9&a=2&flag&bad=%zz")
        #expect(values["a"] == "1")
        #expect(values.all("a") == ["1", "2"])
        #expect(values["b"] == "two words")
        #expect(values["c"] == "été")
        #expect(values["flag"] == "")
        #expect(values["bad"] == "%zz")
        #expect(values["missing"] == nil)
        #expect(URLEncoding.encode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9")
    }

    @Test func parsesParamsIntoOneTypedRequest() {
        let request = ParamParser.request(params: [
            "REQUEST_METHOD": "post", "REQUEST_URI": "/partners/face%62ook?x=1", "QUERY_STRING": "x=1&y=a+b",
            "HTTP_COOKIE": "as_session=abc; theme=\"dark\"; as_session=second", "HTTP_SEC_FETCH_SITE": "same-origin",
            "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8", "CONTENT_LENGTH": "7",
            "REMOTE_ADDR": "10.0.0.9", "HTTPS": "on", "HTTP_PROXY": "http://evil:1",
        ], body: Array("k=v&w=1".utf8))
        #expect(request.method == "POST")
        #expect(request.path == "/partners/facebook")
        #expect(request.query["y"] == "a b")
        #expect(request.cookies == ["as_session": "abc", "theme": "dark"])
        #expect(request.header("Sec-Fetch-Site") == "same-origin")
        #expect(request.contentType == "application/x-www-form-urlencoded")
        #expect(request.form["k"] == "v")
        #expect(request.remoteAddress == "10.0.0.9")
        #expect(request.isHTTPS)
        #expect(request.header("proxy") == nil)
    }

    @Test func aContentTypeOfOnlySemicolonsHasNoMediaTypeAndDoesNotTrap() {
        // Regression: `Content-Type: ;` indexed an empty split and killed the process (found by make fuzz-parsers).
        for header in [";", ";;", " ; charset=utf-8"] {
            let request = ParamParser.request(params: ["REQUEST_METHOD": "POST", "CONTENT_TYPE": header], body: Array("a=1".utf8))
            #expect(request.contentType == "")
            #expect(request.form.isEmpty)
            #expect(request.multipart == nil)
        }
    }

    @Test func splitsLibfcgiEnvironmentStringsAtTheFirstEquals() {
        let params = ParamParser.params(environment: ["QUERY_STRING=a=1&b=2", "EMPTY=", "NOEQUALS", "=nameless", "X=1", "X=2"])
        #expect(params == ["QUERY_STRING": "a=1&b=2", "EMPTY": "", "": "nameless", "X": "2"])
    }

    @Test func readsBearerTokensAndIgnoresFormsOfOtherTypes() {
        let request = Request(method: "POST", path: "/api", headers: ["Authorization": "Bearer  k1 ", "Content-Type": "application/json"],
                              body: Array("a=1".utf8))
        #expect(request.bearerToken == "k1")
        #expect(request.form.isEmpty)
        #expect(Request(method: "GET", path: "/", headers: ["authorization": "Basic x"]).bearerToken == nil)
    }

    @Test func writesStatusWithReasonAndDropsInjectedHeaders() {
        let response = Response(status: 303, headers: [("Location", "/x"), ("X-Bad", "a\r\nSet-Cookie: evil=1")], body: Array("hi".utf8))
        let head = String(decoding: ResponseWriter.head(response), as: UTF8.self)
        #expect(head.hasPrefix("Status: 303 See Other\r\n"))
        #expect(head.contains("Location: /x\r\n"))
        #expect(head.contains("Content-Length: 2\r\n"))
        #expect(!head.contains("evil"))
        #expect(head.hasSuffix("\r\n\r\n"))
    }
}
