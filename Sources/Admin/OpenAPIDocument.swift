/// `GET /openapi.json`: OpenAPI 3.1 description of this node's HTTP API (client, chat,
/// models, MCP transport, setup, admin), static and embedded. `tests/python/test_openapi.py`
/// keeps it true: schemathesis drives the live server from it and checks every response
/// against it. Over 500 lines because it is one JSON document, not code.
enum OpenAPIDocument {
    static let json = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "TriForce",
  "version": "1",
  "description": "One node's HTTP API: the OpenAI/Anthropic-compatible gateway, MCP over Streamable HTTP, client login, and the admin API behind the console at /admin. Errors are JSON {\"error\": {message, type, code}} (MCP: JSON-RPC error objects). Send Authorization: Bearer <login token or API key>."
 },
 "servers": [
  {
   "url": "/"
  }
 ],
 "security": [
  {
   "bearer": []
  },
  {}
 ],
 "tags": [
  {
   "name": "node"
  },
  {
   "name": "client"
  },
  {
   "name": "chat"
  },
  {
   "name": "mcp"
  },
  {
   "name": "setup"
  },
  {
   "name": "admin"
  },
  {
   "name": "console"
  }
 ],
 "paths": {
  "/health": {
   "get": {
    "summary": "Readiness: every check (database, migrations, providers, certificate, guardian, mesh)",
    "tags": [
     "node"
    ],
    "operationId": "health",
    "responses": {
     "200": {
      "description": "ready",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Health"
        }
       }
      }
     },
     "503": {
      "description": "a check failed",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Health"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [
     {}
    ]
   }
  },
  "/healthz": {
   "get": {
    "summary": "Liveness",
    "tags": [
     "node"
    ],
    "operationId": "healthz",
    "responses": {
     "200": {
      "description": "running",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "status": {
           "const": "ok"
          }
         },
         "required": [
          "status"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [
     {}
    ]
   }
  },
  "/openapi.json": {
   "get": {
    "summary": "This document",
    "tags": [
     "node"
    ],
    "operationId": "openapi",
    "responses": {
     "200": {
      "description": "OpenAPI 3.1",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "openapi",
          "paths"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [
     {}
    ]
   }
  },
  "/v1/models": {
   "get": {
    "summary": "Models in the registry (OpenAI list shape, plus provider, capabilities, status)",
    "tags": [
     "client"
    ],
    "operationId": "listModels",
    "responses": {
     "200": {
      "description": "models",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ModelList"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [
     {}
    ]
   }
  },
  "/v1/chat/completions": {
   "post": {
    "summary": "OpenAI chat completions; `stream: true` answers with server-sent events",
    "tags": [
     "chat"
    ],
    "operationId": "chatCompletions",
    "responses": {
     "200": {
      "description": "completion (JSON) or SSE stream",
      "headers": {
       "X-TriForce-Route": {
        "schema": {
         "type": "string"
        },
        "description": "which route served it"
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "choices"
         ]
        }
       },
       "text/event-stream": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ChatRequest"
       }
      }
     }
    }
   }
  },
  "/v1/chat": {
   "post": {
    "summary": "The simple chat shape {model, messages, stream?}",
    "tags": [
     "chat"
    ],
    "operationId": "simpleChat",
    "responses": {
     "200": {
      "description": "answer (JSON) or SSE stream",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       },
       "text/event-stream": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ChatRequest"
       }
      }
     }
    }
   }
  },
  "/v1/messages": {
   "post": {
    "summary": "Anthropic Messages shape in, any provider out",
    "tags": [
     "chat"
    ],
    "operationId": "messages",
    "responses": {
     "200": {
      "description": "message (JSON) or SSE stream",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "content"
         ]
        }
       },
       "text/event-stream": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AnthropicRequest"
       }
      }
     }
    }
   }
  },
  "/v1/client/login": {
   "post": {
    "summary": "Log in: a bearer token for the other calls",
    "tags": [
     "client"
    ],
    "operationId": "login",
    "responses": {
     "200": {
      "description": "logged in",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Login"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "email": {
          "type": "string",
          "maxLength": 320
         },
         "password": {
          "type": "string",
          "maxLength": 1024
         }
        },
        "required": [
         "email",
         "password"
        ]
       }
      }
     }
    },
    "security": [
     {}
    ]
   }
  },
  "/v1/client/logout": {
   "post": {
    "summary": "Revoke the login token sent",
    "tags": [
     "client"
    ],
    "operationId": "logout",
    "responses": {
     "200": {
      "description": "logged out",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "status": {
           "const": "logged_out"
          }
         },
         "required": [
          "status"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/client/me": {
   "get": {
    "summary": "The caller: user, tier, quota",
    "tags": [
     "client"
    ],
    "operationId": "me",
    "responses": {
     "200": {
      "description": "caller",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "tier"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/client/models": {
   "get": {
    "summary": "Models the caller's tier may use",
    "tags": [
     "client"
    ],
    "operationId": "clientModels",
    "responses": {
     "200": {
      "description": "models",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/setup": {
   "get": {
    "summary": "Whether a first-run setup link is open",
    "tags": [
     "setup"
    ],
    "operationId": "setupState",
    "responses": {
     "200": {
      "description": "state",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "open": {
           "type": "boolean"
          }
         },
         "required": [
          "open"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [
     {}
    ]
   },
   "post": {
    "summary": "Create the first admin with the one-time token printed at start; answers with a login token",
    "tags": [
     "setup"
    ],
    "operationId": "setup",
    "responses": {
     "201": {
      "description": "admin created",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "user": {
           "$ref": "#/components/schemas/User"
          },
          "token": {
           "type": "string"
          },
          "expires_in": {
           "type": "integer"
          }
         },
         "required": [
          "user",
          "token",
          "expires_in"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "token": {
          "type": "string",
          "maxLength": 128
         },
         "email": {
          "type": "string",
          "maxLength": 320
         },
         "password": {
          "type": "string",
          "minLength": 8,
          "maxLength": 1024
         }
        },
        "required": [
         "token",
         "email",
         "password"
        ]
       }
      }
     }
    },
    "security": [
     {}
    ]
   }
  },
  "/v1/mcp": {
   "post": {
    "summary": "MCP Streamable HTTP: one JSON-RPC message or a batch",
    "tags": [
     "mcp"
    ],
    "operationId": "mcpPost",
    "parameters": [
     {
      "name": "Accept",
      "in": "header",
      "required": true,
      "schema": {
       "const": "application/json, text/event-stream"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": [
         "object",
         "array"
        ]
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "JSON-RPC response(s)",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       },
       "text/event-stream": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "202": {
      "description": "notifications only: accepted"
     },
     "default": {
      "description": "JSON-RPC error object",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "End an MCP session (Mcp-Session-Id header)",
    "tags": [
     "mcp"
    ],
    "operationId": "mcpDelete",
    "responses": {
     "200": {
      "description": "session ended"
     },
     "default": {
      "description": "JSON-RPC error object",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       }
      }
     }
    }
   },
   "get": {
    "summary": "Not offered: answers 405 with a JSON-RPC error",
    "tags": [
     "mcp"
    ],
    "operationId": "mcpGet",
    "responses": {
     "405": {
      "description": "JSON-RPC error object",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       }
      }
     },
     "default": {
      "description": "JSON-RPC error object",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       }
      }
     }
    }
   }
  },
  "/mcp": {
   "post": {
    "summary": "MCP Streamable HTTP: one JSON-RPC message or a batch",
    "tags": [
     "mcp"
    ],
    "operationId": "mcpPostAlias",
    "parameters": [
     {
      "name": "Accept",
      "in": "header",
      "required": true,
      "schema": {
       "const": "application/json, text/event-stream"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": [
         "object",
         "array"
        ]
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "JSON-RPC response(s)",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       },
       "text/event-stream": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "202": {
      "description": "notifications only: accepted"
     },
     "default": {
      "description": "JSON-RPC error object",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "End an MCP session (Mcp-Session-Id header)",
    "tags": [
     "mcp"
    ],
    "operationId": "mcpDeleteAlias",
    "responses": {
     "200": {
      "description": "session ended"
     },
     "default": {
      "description": "JSON-RPC error object",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       }
      }
     }
    }
   },
   "get": {
    "summary": "Not offered: answers 405 with a JSON-RPC error",
    "tags": [
     "mcp"
    ],
    "operationId": "mcpGetAlias",
    "responses": {
     "405": {
      "description": "JSON-RPC error object",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       }
      }
     },
     "default": {
      "description": "JSON-RPC error object",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JSONRPC"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/status": {
   "get": {
    "summary": "Health report plus data dir and RSS",
    "tags": [
     "admin"
    ],
    "operationId": "adminStatus",
    "responses": {
     "200": {
      "description": "status",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/overview": {
   "get": {
    "summary": "Status, requests/s and p50/p99 per minute over 15 minutes, tokens today, rate-limited requests",
    "tags": [
     "admin"
    ],
    "operationId": "adminOverview",
    "responses": {
     "200": {
      "description": "overview",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Overview"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/panels": {
   "get": {
    "summary": "Mesh, replication and guardian panels: data, or configured=false",
    "tags": [
     "admin"
    ],
    "operationId": "adminPanels",
    "responses": {
     "200": {
      "description": "panels",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "mesh": {
           "$ref": "#/components/schemas/Panel"
          },
          "replication": {
           "$ref": "#/components/schemas/Panel"
          },
          "guardian": {
           "$ref": "#/components/schemas/Panel"
          }
         },
         "required": [
          "mesh",
          "replication",
          "guardian"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/mesh": {
   "get": {
    "summary": "Mesh members as this node sees them",
    "tags": [
     "admin"
    ],
    "operationId": "adminMesh",
    "responses": {
     "200": {
      "description": "members",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/guardian": {
   "get": {
    "summary": "The guardian's last report",
    "tags": [
     "admin"
    ],
    "operationId": "adminGuardian",
    "responses": {
     "200": {
      "description": "report",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/providers": {
   "get": {
    "summary": "Providers with their models' state, circuit, EWMA latency, last error",
    "tags": [
     "admin"
    ],
    "operationId": "adminProviders",
    "responses": {
     "200": {
      "description": "providers",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "providers": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Provider"
           }
          }
         },
         "required": [
          "providers"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/providers/{name}/weight": {
   "put": {
    "summary": "Set a table provider's balancing weight",
    "tags": [
     "admin"
    ],
    "operationId": "adminProviderWeight",
    "responses": {
     "200": {
      "description": "saved",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "name": {
           "type": "string"
          },
          "weight": {
           "type": "number"
          }
         },
         "required": [
          "name",
          "weight"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "weight": {
          "type": "number",
          "exclusiveMinimum": 0,
          "maximum": 1000
         }
        },
        "required": [
         "weight"
        ]
       }
      }
     }
    },
    "parameters": [
     {
      "name": "name",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "maxLength": 64
      },
      "description": "provider name"
     }
    ]
   }
  },
  "/v1/admin/models/state": {
   "put": {
    "summary": "Enable or disable a model (routing skips a disabled one)",
    "tags": [
     "admin"
    ],
    "operationId": "adminModelState",
    "responses": {
     "200": {
      "description": "saved",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ModelState"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ModelState"
       }
      }
     }
    }
   }
  },
  "/v1/admin/discovery": {
   "post": {
    "summary": "Start a model rediscovery in the background",
    "tags": [
     "admin"
    ],
    "operationId": "adminDiscovery",
    "responses": {
     "202": {
      "description": "started",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "status": {
           "const": "started"
          }
         },
         "required": [
          "status"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/routes": {
   "get": {
    "summary": "Every task's route (stored or default)",
    "tags": [
     "admin"
    ],
    "operationId": "adminRoutes",
    "responses": {
     "200": {
      "description": "routes",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "routes": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Route"
           }
          }
         },
         "required": [
          "routes"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/routes/{task}": {
   "put": {
    "summary": "Replace a task's route: 1-32 distinct model ids, in order",
    "tags": [
     "admin"
    ],
    "operationId": "adminRouteSet",
    "responses": {
     "200": {
      "description": "saved",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Route"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "models": {
          "type": "array",
          "minItems": 1,
          "maxItems": 32,
          "items": {
           "type": "string",
           "minLength": 1,
           "maxLength": 256
          }
         }
        },
        "required": [
         "models"
        ]
       }
      }
     }
    },
    "parameters": [
     {
      "name": "task",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "enum": [
        "code",
        "creative",
        "research",
        "math",
        "general"
       ]
      },
      "description": "task"
     }
    ]
   },
   "delete": {
    "summary": "Return a task to its default route",
    "tags": [
     "admin"
    ],
    "operationId": "adminRouteReset",
    "responses": {
     "200": {
      "description": "default route",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Route"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "task",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "enum": [
        "code",
        "creative",
        "research",
        "math",
        "general"
       ]
      },
      "description": "task"
     }
    ]
   }
  },
  "/v1/admin/users": {
   "get": {
    "summary": "Users (never a password hash)",
    "tags": [
     "admin"
    ],
    "operationId": "adminUsers",
    "responses": {
     "200": {
      "description": "users",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "users": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/User"
           }
          }
         },
         "required": [
          "users"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   },
   "post": {
    "summary": "Add a user; without a password one is generated and returned once",
    "tags": [
     "admin"
    ],
    "operationId": "adminUserAdd",
    "responses": {
     "201": {
      "description": "created",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "user": {
           "$ref": "#/components/schemas/User"
          },
          "password": {
           "type": "string"
          }
         },
         "required": [
          "user"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "email": {
          "type": "string",
          "maxLength": 320
         },
         "password": {
          "type": "string",
          "minLength": 8,
          "maxLength": 1024
         },
         "tier": {
          "type": "string"
         },
         "role": {
          "type": "string",
          "enum": [
           "user",
           "admin"
          ]
         }
        },
        "required": [
         "email"
        ]
       }
      }
     }
    }
   }
  },
  "/v1/admin/users/{id}": {
   "patch": {
    "summary": "Change tier, role or disabled",
    "tags": [
     "admin"
    ],
    "operationId": "adminUserUpdate",
    "responses": {
     "200": {
      "description": "updated",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "minProperties": 1,
        "properties": {
         "tier": {
          "type": "string"
         },
         "role": {
          "type": "string",
          "enum": [
           "user",
           "admin"
          ]
         },
         "disabled": {
          "type": "boolean"
         }
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "maxLength": 64
      },
      "description": "user id (usr_...)"
     }
    ]
   },
   "delete": {
    "summary": "Delete a user and their API keys",
    "tags": [
     "admin"
    ],
    "operationId": "adminUserDelete",
    "responses": {
     "200": {
      "description": "deleted",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "deleted": {
           "type": "string"
          }
         },
         "required": [
          "deleted"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "maxLength": 64
      },
      "description": "user id (usr_...)"
     }
    ]
   }
  },
  "/v1/admin/users/{id}/password": {
   "post": {
    "summary": "Reset a password; without one, one is generated and returned once",
    "tags": [
     "admin"
    ],
    "operationId": "adminUserPassword",
    "responses": {
     "200": {
      "description": "reset",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "password": {
           "type": "string"
          }
         }
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "password": {
          "type": "string",
          "minLength": 8,
          "maxLength": 1024
         }
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "maxLength": 64
      },
      "description": "user id (usr_...)"
     }
    ]
   }
  },
  "/v1/admin/keys": {
   "get": {
    "summary": "API keys (prefixes only)",
    "tags": [
     "admin"
    ],
    "operationId": "adminKeys",
    "responses": {
     "200": {
      "description": "keys",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "keys": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Key"
           }
          }
         },
         "required": [
          "keys"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "email",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 320
      },
      "description": "only this user's keys"
     }
    ]
   },
   "post": {
    "summary": "Create an API key; the secret is in this response only",
    "tags": [
     "admin"
    ],
    "operationId": "adminKeyCreate",
    "responses": {
     "201": {
      "description": "created",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "key": {
           "$ref": "#/components/schemas/Key"
          },
          "secret": {
           "type": "string"
          }
         },
         "required": [
          "key",
          "secret"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "user_id": {
          "type": "string",
          "maxLength": 64
         },
         "name": {
          "type": "string",
          "maxLength": 100
         }
        },
        "required": [
         "user_id"
        ]
       }
      }
     }
    }
   }
  },
  "/v1/admin/keys/{id}": {
   "delete": {
    "summary": "Revoke an API key",
    "tags": [
     "admin"
    ],
    "operationId": "adminKeyRevoke",
    "responses": {
     "200": {
      "description": "revoked",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "revoked": {
           "type": "string"
          }
         },
         "required": [
          "revoked"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "maxLength": 64
      },
      "description": "key id (key_...)"
     }
    ]
   }
  },
  "/v1/admin/tiers": {
   "get": {
    "summary": "Tiers and the known features",
    "tags": [
     "admin"
    ],
    "operationId": "adminTiers",
    "responses": {
     "200": {
      "description": "tiers",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "tiers": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Tier"
           }
          },
          "features": {
           "type": "array",
           "items": {
            "type": "string"
           }
          }
         },
         "required": [
          "tiers",
          "features"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/admin/tiers/{name}": {
   "put": {
    "summary": "Create or replace a tier (requests_per_hour null: no limit)",
    "tags": [
     "admin"
    ],
    "operationId": "adminTierSet",
    "responses": {
     "200": {
      "description": "saved",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Tier"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "description": {
          "type": "string",
          "maxLength": 500
         },
         "requests_per_hour": {
          "type": [
           "integer",
           "null"
          ],
          "minimum": 0,
          "maximum": 100000000
         },
         "features": {
          "type": "array",
          "items": {
           "type": "string",
           "enum": [
            "chat",
            "memory",
            "agents",
            "code",
            "code_write",
            "web",
            "shell",
            "mesh",
            "admin"
           ]
          }
         },
         "models_rule": {
          "$ref": "#/components/schemas/ModelsRule"
         }
        },
        "required": [
         "features"
        ]
       }
      }
     }
    },
    "parameters": [
     {
      "name": "name",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_-]{1,64}$"
      },
      "description": "tier name"
     }
    ]
   }
  },
  "/v1/admin/memory": {
   "get": {
    "summary": "Memory notes of every owner: FTS search with q, newest first without",
    "tags": [
     "admin"
    ],
    "operationId": "adminMemory",
    "responses": {
     "200": {
      "description": "notes",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "notes": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Note"
           }
          }
         },
         "required": [
          "notes"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "q",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 500
      },
      "description": "words to search for"
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 500
      },
      "description": "at most this many"
     }
    ]
   }
  },
  "/v1/admin/memory/{id}": {
   "get": {
    "summary": "One note",
    "tags": [
     "admin"
    ],
    "operationId": "adminNote",
    "responses": {
     "200": {
      "description": "note",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Note"
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "maxLength": 64
      },
      "description": "note id"
     }
    ]
   },
   "delete": {
    "summary": "Delete a note",
    "tags": [
     "admin"
    ],
    "operationId": "adminNoteDelete",
    "responses": {
     "200": {
      "description": "deleted",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "deleted": {
           "type": "string"
          }
         },
         "required": [
          "deleted"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "maxLength": 64
      },
      "description": "note id"
     }
    ]
   }
  },
  "/v1/admin/audit": {
   "get": {
    "summary": "Audit log, newest first; user/action end in * for a prefix, outcome matches by prefix, times are Unix ms",
    "tags": [
     "admin"
    ],
    "operationId": "adminAudit",
    "responses": {
     "200": {
      "description": "entries",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "entries": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/AuditEntry"
           }
          }
         },
         "required": [
          "entries"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "user",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 256
      },
      "description": "actor"
     },
     {
      "name": "action",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 256
      },
      "description": "action, e.g. admin.*"
     },
     {
      "name": "outcome",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 256
      },
      "description": "outcome prefix, e.g. failed"
     },
     {
      "name": "since",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "format": "int64"
      },
      "description": "from (Unix ms)"
     },
     {
      "name": "until",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "format": "int64"
      },
      "description": "to (Unix ms)"
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 1000
      },
      "description": "at most this many"
     }
    ]
   }
  },
  "/v1/admin/logs": {
   "get": {
    "summary": "Recent log lines, oldest first; poll with after=<newest timestamp> for a live tail",
    "tags": [
     "admin"
    ],
    "operationId": "adminLogs",
    "responses": {
     "200": {
      "description": "lines",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "lines": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/LogLine"
           }
          }
         },
         "required": [
          "lines"
         ]
        }
       }
      }
     },
     "default": {
      "description": "Error: {\"error\": {message, type, code}} with the status it names",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "level",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "enum": [
        "trace",
        "debug",
        "info",
        "notice",
        "warning",
        "error",
        "critical"
       ]
      },
      "description": "minimum level"
     },
     {
      "name": "category",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 256
      },
      "description": "logger label prefix"
     },
     {
      "name": "after",
      "in": "query",
      "required": false,
      "schema": {
       "type": "number"
      },
      "description": "only lines after this Unix time (seconds)"
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 2000
      },
      "description": "at most this many"
     }
    ]
   }
  },
  "/admin": {
   "get": {
    "summary": "The admin console (static, embedded)",
    "tags": [
     "console"
    ],
    "security": [
     {}
    ],
    "operationId": "console_admin",
    "responses": {
     "200": {
      "description": "static file",
      "content": {
       "text/html": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/admin/app.js": {
   "get": {
    "summary": "The admin console (static, embedded)",
    "tags": [
     "console"
    ],
    "security": [
     {}
    ],
    "operationId": "console_admin_app_js",
    "responses": {
     "200": {
      "description": "static file",
      "content": {
       "text/javascript": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/admin/app.css": {
   "get": {
    "summary": "The admin console (static, embedded)",
    "tags": [
     "console"
    ],
    "security": [
     {}
    ],
    "operationId": "console_admin_app_css",
    "responses": {
     "200": {
      "description": "static file",
      "content": {
       "text/css": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  }
 },
 "components": {
  "schemas": {
   "Error": {
    "type": "object",
    "properties": {
     "error": {
      "type": "object",
      "properties": {
       "message": {
        "type": "string"
       },
       "type": {
        "type": "string"
       },
       "code": {
        "type": "string"
       }
      },
      "required": [
       "message",
       "type",
       "code"
      ]
     }
    },
    "required": [
     "error"
    ]
   },
   "Health": {
    "type": "object",
    "properties": {
     "status": {
      "type": "string",
      "enum": [
       "ok",
       "degraded",
       "fail"
      ]
     },
     "version": {
      "type": "string"
     },
     "node_id": {
      "type": "string"
     },
     "uptime_seconds": {
      "type": "number"
     },
     "checks": {
      "type": "object",
      "additionalProperties": {
       "type": "object",
       "properties": {
        "status": {
         "type": "string",
         "enum": [
          "ok",
          "warn",
          "fail"
         ]
        },
        "detail": {
         "type": "string"
        }
       },
       "required": [
        "status"
       ]
      }
     }
    },
    "required": [
     "status",
     "version",
     "node_id",
     "checks"
    ]
   },
   "Model": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "object": {
      "const": "model"
     },
     "created": {
      "type": "integer"
     },
     "owned_by": {
      "type": "string"
     },
     "provider": {
      "type": "string"
     },
     "upstream_id": {
      "type": "string"
     },
     "capabilities": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "status": {
      "type": "string"
     },
     "context_window": {
      "type": [
       "integer",
       "null"
      ]
     }
    },
    "required": [
     "id",
     "object",
     "provider",
     "status"
    ]
   },
   "ModelList": {
    "type": "object",
    "properties": {
     "object": {
      "const": "list"
     },
     "data": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Model"
      }
     }
    },
    "required": [
     "object",
     "data"
    ]
   },
   "ChatMessage": {
    "type": "object",
    "properties": {
     "role": {
      "type": "string",
      "enum": [
       "system",
       "user",
       "assistant",
       "tool"
      ]
     },
     "content": {
      "type": [
       "string",
       "array",
       "null"
      ]
     }
    },
    "required": [
     "role"
    ]
   },
   "ChatRequest": {
    "type": "object",
    "properties": {
     "model": {
      "type": "string"
     },
     "messages": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/ChatMessage"
      },
      "minItems": 1
     },
     "stream": {
      "type": "boolean"
     },
     "max_tokens": {
      "type": "integer",
      "minimum": 1
     },
     "temperature": {
      "type": "number",
      "minimum": 0,
      "maximum": 2
     }
    },
    "required": [
     "model",
     "messages"
    ]
   },
   "AnthropicRequest": {
    "type": "object",
    "properties": {
     "model": {
      "type": "string"
     },
     "max_tokens": {
      "type": "integer",
      "minimum": 1
     },
     "messages": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/ChatMessage"
      },
      "minItems": 1
     },
     "system": {
      "type": [
       "string",
       "array"
      ]
     },
     "stream": {
      "type": "boolean"
     }
    },
    "required": [
     "model",
     "max_tokens",
     "messages"
    ]
   },
   "User": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "email": {
      "type": "string"
     },
     "tier": {
      "type": "string"
     },
     "role": {
      "type": "string",
      "enum": [
       "user",
       "admin"
      ]
     },
     "disabled": {
      "type": "boolean"
     },
     "created_at": {
      "type": "integer"
     },
     "updated_at": {
      "type": "integer"
     }
    },
    "required": [
     "id",
     "email",
     "tier",
     "role",
     "disabled",
     "created_at",
     "updated_at"
    ]
   },
   "UserSummary": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "email": {
      "type": "string"
     },
     "tier": {
      "type": "string"
     },
     "role": {
      "type": "string"
     },
     "disabled": {
      "type": "boolean"
     }
    },
    "required": [
     "id",
     "email",
     "tier",
     "role",
     "disabled"
    ]
   },
   "Login": {
    "type": "object",
    "properties": {
     "token": {
      "type": "string"
     },
     "token_type": {
      "type": "string"
     },
     "expires_in": {
      "type": "integer"
     },
     "tier": {
      "type": "string"
     },
     "user": {
      "$ref": "#/components/schemas/UserSummary"
     }
    },
    "required": [
     "token",
     "expires_in",
     "tier",
     "user"
    ]
   },
   "Key": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "user_id": {
      "type": "string"
     },
     "email": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "prefix": {
      "type": "string"
     },
     "created_at": {
      "type": "integer"
     },
     "revoked": {
      "type": "boolean"
     }
    },
    "required": [
     "id",
     "user_id",
     "email",
     "name",
     "prefix",
     "created_at",
     "revoked"
    ]
   },
   "ModelsRule": {
    "type": "object",
    "properties": {
     "all": {
      "type": "boolean"
     },
     "allow": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "classes": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "deny": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "max": {
      "type": "integer",
      "minimum": 0
     }
    }
   },
   "Tier": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "description": {
      "type": "string"
     },
     "requests_per_hour": {
      "type": [
       "integer",
       "null"
      ]
     },
     "features": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "models_rule": {
      "$ref": "#/components/schemas/ModelsRule"
     }
    },
    "required": [
     "name",
     "description",
     "requests_per_hour",
     "features",
     "models_rule"
    ]
   },
   "Route": {
    "type": "object",
    "properties": {
     "task": {
      "type": "string",
      "enum": [
       "code",
       "creative",
       "research",
       "math",
       "general"
      ]
     },
     "models": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "stored": {
      "type": "boolean"
     },
     "unknown_models": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    },
    "required": [
     "task",
     "models",
     "stored",
     "unknown_models"
    ]
   },
   "Note": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "owner": {
      "type": "string"
     },
     "kind": {
      "type": "string",
      "enum": [
       "fact",
       "decision",
       "code",
       "summary",
       "todo"
      ]
     },
     "content": {
      "type": "string"
     },
     "tags": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "confidence": {
      "type": "number"
     },
     "created_at": {
      "type": "integer"
     },
     "expires_at": {
      "type": "integer"
     },
     "snippet": {
      "type": "string"
     }
    },
    "required": [
     "id",
     "owner",
     "kind",
     "content",
     "tags",
     "confidence",
     "created_at"
    ]
   },
   "AuditEntry": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "at": {
      "type": "integer"
     },
     "actor": {
      "type": "string"
     },
     "action": {
      "type": "string"
     },
     "target": {
      "type": "string"
     },
     "detail": {
      "type": "string"
     },
     "outcome": {
      "type": "string"
     },
     "duration_ms": {
      "type": "integer"
     }
    },
    "required": [
     "id",
     "at",
     "actor",
     "action",
     "target",
     "detail",
     "outcome"
    ]
   },
   "LogLine": {
    "type": "object",
    "properties": {
     "timestamp": {
      "type": "number"
     },
     "level": {
      "type": "string"
     },
     "label": {
      "type": "string"
     },
     "message": {
      "type": "string"
     },
     "metadata": {
      "type": "object",
      "additionalProperties": {
       "type": "string"
      }
     }
    },
    "required": [
     "timestamp",
     "level",
     "label",
     "message",
     "metadata"
    ]
   },
   "Minute": {
    "type": "object",
    "properties": {
     "start": {
      "type": "integer"
     },
     "requests": {
      "type": "integer"
     },
     "rate_limited": {
      "type": "integer"
     },
     "p50_ms": {
      "type": "number"
     },
     "p99_ms": {
      "type": "number"
     }
    },
    "required": [
     "start",
     "requests",
     "rate_limited"
    ]
   },
   "Overview": {
    "type": "object",
    "properties": {
     "status": {
      "type": "object"
     },
     "minutes": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Minute"
      }
     },
     "requests_per_second": {
      "type": "number"
     },
     "p50_ms": {
      "type": "number"
     },
     "p99_ms": {
      "type": "number"
     },
     "rate_limited": {
      "type": "integer"
     },
     "tokens_today": {
      "type": "object",
      "properties": {
       "day": {
        "type": "string"
       },
       "requests": {
        "type": "integer"
       },
       "prompt_tokens": {
        "type": "integer"
       },
       "completion_tokens": {
        "type": "integer"
       }
      },
      "required": [
       "day",
       "requests",
       "prompt_tokens",
       "completion_tokens"
      ]
     }
    },
    "required": [
     "status",
     "minutes",
     "requests_per_second",
     "rate_limited",
     "tokens_today"
    ]
   },
   "ModelState": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 512
     },
     "enabled": {
      "type": "boolean"
     }
    },
    "required": [
     "id",
     "enabled"
    ]
   },
   "ProviderModel": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "status": {
      "type": "string"
     },
     "enabled": {
      "type": "boolean"
     },
     "capabilities": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "circuit": {
      "type": "string",
      "enum": [
       "closed",
       "open",
       "half_open"
      ]
     },
     "ewma_ms": {
      "type": "number"
     },
     "consecutive_failures": {
      "type": "integer"
     },
     "in_flight": {
      "type": "integer"
     },
     "last_error": {
      "type": "string"
     }
    },
    "required": [
     "id",
     "status",
     "enabled",
     "capabilities",
     "circuit",
     "consecutive_failures",
     "in_flight"
    ]
   },
   "Provider": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "local": {
      "type": "boolean"
     },
     "weight": {
      "type": "number"
     },
     "source": {
      "type": "string",
      "enum": [
       "environment",
       "table",
       "unconfigured"
      ]
     },
     "misconfigured": {
      "type": "string"
     },
     "models": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/ProviderModel"
      }
     }
    },
    "required": [
     "name",
     "local",
     "weight",
     "source",
     "models"
    ]
   },
   "Panel": {
    "type": "object",
    "required": [
     "configured"
    ],
    "properties": {
     "configured": {
      "type": "boolean"
     },
     "detail": {
      "type": "string"
     },
     "error": {
      "type": "string"
     },
     "data": {}
    }
   },
   "JSONRPC": {
    "type": [
     "object",
     "array"
    ],
    "description": "A JSON-RPC 2.0 response (or batch); errors are JSON-RPC error objects"
   }
  },
  "securitySchemes": {
   "bearer": {
    "type": "http",
    "scheme": "bearer"
   }
  }
 }
}
"""#
}
