(function_definition name: (identifier) @name) @def.function
(class_definition name: (identifier) @name) @def.class
(module (expression_statement (assignment left: (identifier) @name)) @def.constant)

(import_statement name: [(dotted_name) @import (aliased_import name: (dotted_name) @import)])
(import_from_statement module_name: (_) @import)
(import_statement name: [(dotted_name . (identifier) @import.module) (aliased_import alias: (identifier) @import.module)])
(import_from_statement name: [(dotted_name . (identifier) @import.name) (aliased_import alias: (identifier) @import.name)])

(class_definition superclasses: (argument_list [(identifier) @inherit (attribute attribute: (identifier) @inherit)]))

(call function: [(identifier) @ref.call (attribute attribute: (identifier) @ref.call)])
(decorator [(identifier) @ref.call (attribute attribute: (identifier) @ref.call)])

; What declarations say a value's type is (see `parse::types`): annotated parameters and names,
; `self.x: T` and `self.x = T()` in a method (the class's field), and `x = T()` for a class `T`.
(typed_parameter (identifier) @bind.name type: (type) @bind.type)
(typed_default_parameter name: (identifier) @bind.name type: (type) @bind.type)
(assignment left: (identifier) @bind.name type: (type) @bind.type)
(assignment left: (attribute object: (identifier) @_self attribute: (identifier) @bind.field) type: (type) @bind.type (#eq? @_self "self"))
(assignment left: (identifier) @bind.name right: (call function: (identifier) @bind.new))
(assignment left: (attribute object: (identifier) @_self attribute: (identifier) @bind.field) right: (call function: (identifier) @bind.new) (#eq? @_self "self"))
