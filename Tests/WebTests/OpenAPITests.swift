import Core
import FastCGI
import Foundation
import TestSupport
import Testing
@testable import Web

/// The OpenAPI document against the routes and the real answers: a route missing from the document, a documented
/// operation with no route, or an answer with fields the document does not describe, fails here.
@Suite struct OpenAPITests {
    let document: [String: Any]
    let test: TestApp
    let key: String

    init() throws {
        let data = try #require(FileManager.default.contents(atPath: ProjectPaths.publicFiles + "/openapi.json"))
        document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        test = try TestApp()
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        key = try APITests.createKey(test, as: "admin@acme.test", name: "Contract")
    }

    /// "METHOD /api/v1/path" of every documented operation.
    var documented: Set<String> {
        let server = ((document["servers"] as? [[String: Any]])?.first?["url"] as? String) ?? ""
        return Set((document["paths"] as? [String: Any] ?? [:]).flatMap { path, item in
            (item as? [String: Any] ?? [:]).keys.map { "\($0.uppercased()) \(server)\(path)" }
        })
    }

    @Test func everyKeyedRouteIsDocumentedAndEveryDocumentedOperationIsRouted() {
        let routed = Set(SiteRoute.keyedAPIRoutes.flatMap { route in
            ["GET", "POST"].filter { Routes.entry(for: route, method: $0) != nil }.map { "\($0) \(route.path)" }
        })
        #expect(routed == documented)
        for operation in documented {
            let parts = operation.split(separator: " ")
            let route = SiteRoute(path: String(parts[1]))
            #expect(route?.isAPI == true && route.map { SiteRoute.keyedAPIRoutes.contains($0) } == true, "\(operation)")
        }
    }

    @Test func theDocumentIsServedAndReadAsAPage() throws {
        let served = test.app.respond(to: Request(method: "GET", path: "/api/v1/openapi.json"))
        #expect(served.status == 200 && served.header("Content-Type") == "application/json")
        #expect(((try JSONSerialization.jsonObject(with: Data(served.body)) as? [String: Any])?["openapi"] as? String) == "3.1.0")
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        let page = browser.get("/api-reference").text
        for operation in documented { #expect(page.contains("<code>\(operation)</code>"), "\(operation)") }
        #expect(page.contains("&quot;mary@example.com&quot;") && !page.contains("\"mary@example.com\""))   // the example body, escaped
    }

    /// The descriptions are Markdown: their code spans show as code, and no raw backtick reaches the page.
    @Test func theReferencePageRendersTheDescriptionsMarkdown() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        let page = browser.get("/api-reference").text
        #expect(!page.contains("`"), "a raw backtick: \(page.split(separator: "\n").filter { $0.contains("`") }.prefix(3))")
        #expect(page.contains("sent as <code>Authorization: Bearer &lt;key&gt;</code>"))   // info.description, escaped inside the code
        #expect(page.contains("Braze&#39;s <code>/users/track</code>: <code>attributes</code>"))   // an operation's description
    }

    @Test func inlineMarkdownEscapesTextAndRendersCodeSpans() {
        #expect(InlineMarkdown.html("a `<b>` & `c`") == "a <code>&lt;b&gt;</code> &amp; <code>c</code>")
        #expect(InlineMarkdown.html("``a ` b`` and ` x") == "<code>a ` b</code> and ` x")   // a longer fence holds a backtick; an unclosed one is text
        #expect(InlineMarkdown.html("`` `x` ``") == "<code>`x`</code>")
        #expect(InlineMarkdown.html("<script>") == "&lt;script&gt;")
    }

    @Test func realAnswersHaveExactlyTheDocumentedFields() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/canvases")
        let canvas = try #require(trailingID(browser.post("/canvases", [("name", "Draft")])))
        let calls: [(String, String, String, [(String, String)], Int)] = [
            ("POST", "/api/v1/users/track", #"{"attributes":[{"external_id":"u1","email":"a@b.co"},{"external_id":"u2","email":"nope"}]}"#, [], 201),
            ("POST", "/api/v1/users/track", #"{"attributes":"x"}"#, [], 400),
            ("POST", "/api/v1/users/track", #"{"attributes":[{"email":"x@y.co"}]}"#, [], 400),
            ("POST", "/api/v1/users/track", """
                {"events":[{"external_id":"u3","name":"opened","time":"2026-12-07T09:30:00Z"},{"external_id":"u3","name":"late"}],
                 "purchases":[{"external_id":"u3","product_id":"p","price":1.5,"currency":"EUR","time":"2026-12-07T09:30:00Z"}]}
                """, [], 201),
            ("POST", "/api/v1/users/delete", #"{"external_ids":["u1","zz"]}"#, [], 200),
            ("POST", "/api/v1/canvas/trigger/send", #"{"canvas_id":"\#(canvas)","recipients":[{"external_user_id":"u2"}]}"#, [], 409),
            ("GET", "/api/v1/canvas/data_summary", "", [("canvas_id", String(canvas))], 200),
            ("GET", "/api/v1/canvas/data_summary", "", [("canvas_id", "999")], 404),
        ]
        for (method, path, body, query, status) in calls {
            let response = test.app.respond(to: Request(method: method, path: path, query: FormValues(query.map { (name: $0.0, value: $0.1) }),
                                                        headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                        body: Array(body.utf8)))
            #expect(response.status == status, "\(method) \(path)")
            let documented = responseSchema(method: method, path: path, status: response.status)
            let schema = try #require(documented, "\(method) \(path) \(response.status) undocumented")
            let value = try JSONSerialization.jsonObject(with: Data(response.body))
            #expect(problems(value, schema, at: "$").isEmpty, "\(method) \(path): \(problems(value, schema, at: "$"))")
        }
        let anonymous = test.app.respond(to: Request(method: "POST", path: "/api/v1/users/track", body: Array("{}".utf8)))
        #expect(anonymous.status == 401)
    }

    /// The response schema documented for an answer.
    func responseSchema(method: String, path: String, status: Int) -> [String: Any]? {
        let server = ((document["servers"] as? [[String: Any]])?.first?["url"] as? String) ?? ""
        let item = (document["paths"] as? [String: Any])?[String(path.dropFirst(server.count))] as? [String: Any]
        var answer = ((item?[method.lowercased()] as? [String: Any])?["responses"] as? [String: Any])?[String(status)] as? [String: Any]
        if let reference = answer?["$ref"] as? String { answer = resolve(reference) }
        let content = (answer?["content"] as? [String: Any])?["application/json"] as? [String: Any]
        return content?["schema"] as? [String: Any]
    }

    func resolve(_ reference: String) -> [String: Any]? {
        var node: Any? = document
        for part in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
        return node as? [String: Any]
    }

    /// Where `value` departs from `schema` (types, required and undocumented properties, array items).
    func problems(_ value: Any, _ schema: [String: Any], at place: String) -> [String] {
        if let reference = schema["$ref"] as? String, let target = resolve(reference) { return problems(value, target, at: place) }
        if schema["oneOf"] != nil || schema["anyOf"] != nil { return [] }
        let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
        var found: [String] = []
        switch value {
        case let object as [String: Any]:
            guard types.isEmpty || types.contains("object") else { return ["\(place) is an object"] }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil { found.append("\(place).\(name) missing") }
            for (name, member) in object {
                if let property = properties[name] as? [String: Any] {
                    found += problems(member, property, at: "\(place).\(name)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    found += problems(member, extra, at: "\(place).\(name)")
                } else if (schema["additionalProperties"] as? Bool) != true {
                    found.append("\(place).\(name) is not documented")
                }
            }
        case let array as [Any]:
            guard types.isEmpty || types.contains("array") else { return ["\(place) is an array"] }
            if let items = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() { found += problems(item, items, at: "\(place)[\(index)]") }
            }
        case is NSNull:
            if !types.isEmpty && !types.contains("null") { found.append("\(place) is null") }
        case let number as NSNumber:
            let isBool = String(cString: number.objCType) == "c"
            let ok = isBool ? types.contains("boolean") : (types.contains("integer") || types.contains("number"))
            if !types.isEmpty && !ok { found.append("\(place) is \(isBool ? "a boolean" : "a number")") }
        case let text as String:
            if !types.isEmpty && !types.contains("string") { found.append("\(place) is text") }
            if let allowed = schema["enum"] as? [String], !allowed.contains(text) { found.append("\(place) = \(text) is not one of \(allowed)") }
        default:
            found.append("\(place) has an unknown type")
        }
        return found
    }
}
