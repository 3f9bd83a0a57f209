/// Why an address or a message could not be built.
///
/// Descriptions never repeat the offending text: it may come from user input and would
/// otherwise carry line breaks or control characters into logs.
public enum MailFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The address is empty.
    case emptyAddress
    /// The address is longer than 254 characters (RFC 5321's path limit minus the brackets).
    case addressTooLong
    /// The part before `@` is longer than 64 characters (RFC 5321 §4.5.3.1.1).
    case localPartTooLong
    /// There is no `@`, or nothing on one side of it.
    case missingAtSign
    /// The part before `@` is not a dot-atom (quoted local parts are not supported).
    case invalidLocalPart
    /// The part after `@` is not a plain ASCII host name.
    case invalidDomain
    /// A message needs at least one recipient.
    case noRecipients
    /// The message id is not `left@right` made of dot-atoms.
    case invalidMessageID

    /// Short English text that is safe to log.
    public var description: String {
        switch self {
        case .emptyAddress: "empty email address"
        case .addressTooLong: "email address longer than 254 characters"
        case .localPartTooLong: "email address local part longer than 64 characters"
        case .missingAtSign: "email address is not of the form local@domain"
        case .invalidLocalPart: "email address local part has characters that are not allowed"
        case .invalidDomain: "email address domain is not a valid host name"
        case .noRecipients: "message has no recipients"
        case .invalidMessageID: "message id is not of the form left@right"
        }
    }
}
