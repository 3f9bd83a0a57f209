import Core
import FastCGI
import Foundation

/// The REST API's OpenAPI 3.1 document (`Public/openapi.json`), served as it is at `/api/v1/openapi.json` and as
/// a readable reference page in the dashboard. `OpenAPITests` fail when a route and the document disagree.
enum OpenAPIDocument {
    /// The document's bytes, read from the static files folder on each request (it is small, and an edit shows at once).
    static func bytes(_ context: RequestContext) -> [UInt8]? {
        FileManager.default.contents(atPath: context.app.config.publicDirectory + "/openapi.json").map(Array.init)
    }
}

/// `GET /api/v1/openapi.json`: the document, for tools (schemathesis, client generators). No key needed.
enum OpenAPIServe {
    static func handle(_ context: RequestContext) throws -> Response {
        guard let bytes = OpenAPIDocument.bytes(context) else { return Response.text("The API description is missing.", status: 500) }
        var response = Response.json(bytes: bytes)
        response.headers.append(("Access-Control-Allow-Origin", "*"))
        return response
    }
}

/// `GET /api-reference`: the same document as a page — each operation with its parameters, example and answers.
/// The document's descriptions are Markdown: the `…HTML` fields hold them rendered by `InlineMarkdown`.
enum APIReferencePage {
    struct Content {
        let title: String
        let descriptionHTML: String
        let operations: [Operation]
        let documentPath: String
    }

    struct Operation {
        let anchor: String
        let method: String
        let path: String
        let summaryHTML: String
        let descriptionHTML: String
        let parameters: [Parameter]
        let hasParameters: Bool
        let example: String?
        let responses: [Answer]
    }

    struct Parameter {
        let name: String
        let place: String
        let detailHTML: String
    }

    struct Answer {
        let status: String
        let descriptionHTML: String
    }

    static func handle(_ context: RequestContext) throws -> Response {
        guard let bytes = OpenAPIDocument.bytes(context),
              let document = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return Response.text("The API description is missing.", status: 500)
        }
        let info = document["info"] as? [String: Any] ?? [:]
        let server = ((document["servers"] as? [[String: Any]])?.first?["url"] as? String) ?? ""
        let components = document["components"] as? [String: Any] ?? [:]
        let operations = (document["paths"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.flatMap { path, item in
            (item as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { method, value in
                operation(server + path, method: method, value as? [String: Any] ?? [:], components: components)
            }
        }
        let content = Content(title: info["title"] as? String ?? "REST API", descriptionHTML: InlineMarkdown.html(info["description"] as? String ?? ""),
                              operations: operations, documentPath: SiteRoute.apiOpenAPI.path)
        return context.renderer.page("api_reference", shell: context.shell(title: "REST API reference", section: "settings"), content: content)
    }

    private static func operation(_ path: String, method: String, _ value: [String: Any], components: [String: Any]) -> Operation {
        let parameters = (value["parameters"] as? [[String: Any]] ?? []).map { p in
            Parameter(name: p["name"] as? String ?? "", place: p["in"] as? String ?? "",
                      detailHTML: ((p["required"] as? Bool) == true ? "required. " : "") + InlineMarkdown.html(p["description"] as? String ?? ""))
        }
        let example = ((value["requestBody"] as? [String: Any])?["content"] as? [String: Any])
            .flatMap { $0["application/json"] as? [String: Any] }?["example"]
            .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) }
            .map { String(decoding: $0, as: UTF8.self) }
        let shared = components["responses"] as? [String: Any] ?? [:]
        let responses = (value["responses"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { status, answer -> Answer in
            var body = answer as? [String: Any] ?? [:]
            if let reference = body["$ref"] as? String, let name = reference.split(separator: "/").last {
                body = shared[String(name)] as? [String: Any] ?? [:]
            }
            return Answer(status: status, descriptionHTML: InlineMarkdown.html(body["description"] as? String ?? ""))
        }
        return Operation(anchor: value["operationId"] as? String ?? path, method: method.uppercased(), path: path,
                         summaryHTML: InlineMarkdown.html(value["summary"] as? String ?? ""),
                         descriptionHTML: InlineMarkdown.html(value["description"] as? String ?? ""),
                         parameters: parameters, hasParameters: !parameters.isEmpty, example: example, responses: responses)
    }
}
