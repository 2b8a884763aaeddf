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
