import Mustache

/// Turns a view model into nested `TemplateObject`s and arrays once per render, so each `{{name}}` the template asks
/// for is a hash lookup rather than a `Mirror` walk over the object's fields (which the template library does
/// for every lookup at every level of the context stack; it was 40% of a page's time).
///
/// Semantics are the library's: a `nil` optional is left out, so the lookup falls through to the enclosing
/// context exactly as the library's own reflection does; arrays stay arrays; strings, numbers and booleans stay.
enum TemplateValues {
    static func convert(_ value: Any) -> Any? {
        // Leaves first, without a Mirror: most values on a page are strings, numbers and flags, and reflecting
        // each one only to learn it has no children was most of the conversion's cost.
        // Compared by type, not cast with `is`: a cast from `Any` is a runtime search (it also looks inside optionals
        // and existentials), a type comparison is one pointer compare.
        let type = type(of: value)
        if type == String.self || type == Int.self || type == Bool.self || type == Double.self || type == Int64.self { return value }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let wrapped = mirror.children.first else { return nil }
            return convert(wrapped.value)
        case .struct, .class:
            var fields: [String: Any] = [:]
            fields.reserveCapacity(Int(mirror.children.count))
            for child in mirror.children {
                if let label = child.label, let converted = convert(child.value) { fields[label] = converted }
            }
            return TemplateObject(fields)
        case .collection:
            return mirror.children.compactMap { convert($0.value) }
        default:
            return value
        }
    }
}

/// A view model's fields as the template library looks them up. A class, not a `[String: Any]`: the library asks
/// every object on its context stack `as? MustacheParent` at every lookup, and a dictionary conforms only where its
/// key is `String`, a condition the runtime checks again on each cast (a fifth of a page's instructions).
final class TemplateObject: MustacheParent {
    private let fields: [String: Any]
    init(_ fields: [String: Any]) { self.fields = fields }
    func child(named name: String) -> Any? { fields[name] }
}
