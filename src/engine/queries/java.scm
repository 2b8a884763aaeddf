(class_declaration name: (identifier) @name) @def.class
(record_declaration name: (identifier) @name) @def.class
(enum_declaration name: (identifier) @name) @def.class
(interface_declaration name: (identifier) @name) @def.interface
(annotation_type_declaration name: (identifier) @name) @def.interface
(method_declaration name: (identifier) @name) @def.method
(constructor_declaration name: (identifier) @name) @def.method

(import_declaration (scoped_identifier) @import)

(superclass (type_identifier) @inherit)
(super_interfaces (type_list (type_identifier) @inherit))
(extends_interfaces (type_list (type_identifier) @inherit))

(method_invocation name: (identifier) @ref.call)
(object_creation_expression type: (type_identifier) @ref.call)
; Type references (`type_identifier` nodes) are collected by a plain tree walk in parse.rs:
; a catch-all pattern here made the query engine test every node.

; What declarations say a value's type is (see `parse::types`): parameters, fields and locals.
(formal_parameter type: (_) @bind.type name: (identifier) @bind.name)
(field_declaration type: (_) @bind.type declarator: (variable_declarator name: (identifier) @bind.name))
(local_variable_declaration type: (_) @bind.type declarator: (variable_declarator name: (identifier) @bind.name))
