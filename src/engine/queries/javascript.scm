(function_declaration name: (identifier) @name) @def.function
(generator_function_declaration name: (identifier) @name) @def.function
(class_declaration name: (identifier) @name) @def.class
(method_definition name: [(property_identifier) (private_property_identifier)] @name) @def.method
(variable_declarator name: (identifier) @name value: [(function_expression) (arrow_function) (class) (generator_function)]) @def.function
(variable_declarator name: (identifier) @name value: (assignment_expression right: [(function_expression) (arrow_function) (class)])) @def.function
(expression_statement (assignment_expression left: [(member_expression) (subscript_expression)] @name right: [(function_expression) (arrow_function) (class) (generator_function)])) @def.function
(expression_statement (call_expression arguments: (arguments . (identifier) @obj . (string (string_fragment) @prop) . [(function_expression) (arrow_function)]))) @def.getter
(pair key: [(property_identifier) (string)] @name value: [(function_expression) (arrow_function)]) @def.method
(program (lexical_declaration (variable_declarator name: (identifier) @name)) @def.constant)
(program (variable_declaration (variable_declarator name: (identifier) @name)) @def.constant)
(export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name)) @def.constant)

(import_statement source: (string (string_fragment) @import))
(call_expression function: (identifier) @_req arguments: (arguments . (string (string_fragment) @import)) (#eq? @_req "require"))
(import_clause (identifier) @import.name)
(namespace_import (identifier) @import.module)
(import_specifier name: (identifier) @import.name)
(import_specifier alias: (identifier) @import.name)
; A `require` call's declarator binds its name as `import.name` too (see `imports::push_import`).

(class_heritage (identifier) @inherit)
(class_heritage (member_expression property: (property_identifier) @inherit))

(call_expression function: [(identifier) @ref.call (member_expression property: (property_identifier) @ref.call)])
(new_expression constructor: [(identifier) @ref.call (member_expression property: (property_identifier) @ref.call)])

; What declarations say a value's type is (see `parse::types`): `const x = new T()`, and
; `this.x = new T()` in a method (the class's field).
(variable_declarator name: (identifier) @bind.name value: (new_expression constructor: (identifier) @bind.new))
(assignment_expression left: (member_expression object: (this) @_self property: (property_identifier) @bind.field) right: (new_expression constructor: (identifier) @bind.new))
