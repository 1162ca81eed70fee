/* admin_routes: every management API operation, one row each. Order matters
 * only for readability; patterns never overlap. */
#include "admin.h"
#include "admin_accesskey.h"
#include "admin_authorizer.h"
#include "admin_apikey.h"
#include "admin_cluster.h"
#include "admin_cors.h"
#include "admin_deployment.h"
#include "admin_domain.h"
#include "admin_export.h"
#include "admin_gwresp.h"
#include "admin_import.h"
#include "admin_integration.h"
#include "admin_testinvoke.h"
#include "admin_metrics.h"
#include "admin_method.h"
#include "admin_model.h"
#include "admin_resource.h"
#include "admin_restapi.h"
#include "admin_stage.h"
#include "admin_stage_cache.h"
#include "admin_usageplan.h"
#include "admin_usageplan_keys.h"
#include "admin_usageplan_usage.h"
#include "admin_validator.h"
#include "admin_v2_api.h"
#include "admin_v2_auth.h"
#include "admin_v2_domain.h"
#include "admin_v2_integration.h"
#include "admin_v2_openapi.h"
#include "admin_v2_route.h"
#include "admin_v2_stage.h"
#include "admin_v2_tags.h"

#define API "/restapis/{restapi_id}"
#define RESOURCE API "/resources/{resource_id}"
#define METHOD RESOURCE "/methods/{http_method}"
#define INTEGRATION METHOD "/integration"
#define DOMAIN "/domainnames/{domain_name}"
#define PLAN "/usageplans/{usageplan_id}"
#define V2API "/v2/apis/{api_id}"
#define V2ROUTE V2API "/routes/{route_id}"
#define V2INTEG V2API "/integrations/{integration_id}"
#define V2STAGE V2API "/stages/{stage_name}"
#define V2DOMAIN "/v2/domainnames/{domain_name}"

const admin_route_t admin_routes[] = {
    {"POST", "/restapis", admin_restapi_create, .document_body = 1},
    {"GET", "/restapis", admin_restapi_list},
    {"GET", API, admin_restapi_get},
    {"PATCH", API, admin_restapi_update},
    {"DELETE", API, admin_restapi_delete},

    /* OpenAPI import and export */
    {"PUT", API, admin_import_put, .document_body = 1},
    {"GET", API "/stages/{stage_name}/exports/{export_type}", admin_export_get},

    {"GET", API "/resources", admin_resource_list},
    {"POST", API "/resources/{parent_id}", admin_resource_create},
    {"GET", RESOURCE, admin_resource_get},
    {"DELETE", RESOURCE, admin_resource_delete},

    {"PUT", METHOD, admin_method_put},
    {"GET", METHOD, admin_method_get},
    {"PATCH", METHOD, admin_method_update},
    {"DELETE", METHOD, admin_method_delete},
    {"POST", METHOD, admin_test_invoke}, /* TestInvokeMethod (MOCK, HTTP) */
    {"PUT", METHOD "/responses/{status_code}", admin_method_response_put},
    {"GET", METHOD "/responses/{status_code}", admin_method_response_get},
    {"DELETE", METHOD "/responses/{status_code}", admin_method_response_delete},

    {"PUT", INTEGRATION, admin_integration_put},
    {"GET", INTEGRATION, admin_integration_get},
    {"DELETE", INTEGRATION, admin_integration_delete},
    {"PUT", INTEGRATION "/responses/{status_code}", admin_integration_response_put},
    {"GET", INTEGRATION "/responses/{status_code}", admin_integration_response_get},
    {"DELETE", INTEGRATION "/responses/{status_code}", admin_integration_response_delete},

    {"POST", API "/deployments", admin_deployment_create},
    {"GET", API "/deployments", admin_deployment_list},
    {"GET", API "/deployments/{deployment_id}", admin_deployment_get},
    {"DELETE", API "/deployments/{deployment_id}", admin_deployment_delete},

    {"POST", API "/stages", admin_stage_create},
    {"GET", API "/stages", admin_stage_list},
    {"GET", API "/stages/{stage_name}", admin_stage_get},
    {"PATCH", API "/stages/{stage_name}", admin_stage_update},
    {"DELETE", API "/stages/{stage_name}", admin_stage_delete},
    {"DELETE", API "/stages/{stage_name}/cache/data", admin_stage_cache_flush},

    {"POST", "/domainnames", admin_domain_create},
    {"GET", "/domainnames", admin_domain_list},
    {"GET", DOMAIN, admin_domain_get},
    {"DELETE", DOMAIN, admin_domain_delete},
    {"POST", DOMAIN "/basepathmappings", admin_mapping_create},
    {"GET", DOMAIN "/basepathmappings", admin_mapping_list},
    {"GET", DOMAIN "/basepathmappings/{base_path}", admin_mapping_get},
    {"PATCH", DOMAIN "/basepathmappings/{base_path}", admin_mapping_update},
    {"DELETE", DOMAIN "/basepathmappings/{base_path}", admin_mapping_delete},
    /* authorization, gateway responses, CORS */
    {"POST", API "/authorizers", admin_authorizer_create},
    {"GET", API "/authorizers", admin_authorizer_list},
    {"GET", API "/authorizers/{authorizer_id}", admin_authorizer_get},
    {"PATCH", API "/authorizers/{authorizer_id}", admin_authorizer_update},
    {"DELETE", API "/authorizers/{authorizer_id}", admin_authorizer_delete},
    {"GET", API "/gatewayresponses", admin_gwresp_list},
    {"PUT", API "/gatewayresponses/{response_type}", admin_gwresp_put},
    {"GET", API "/gatewayresponses/{response_type}", admin_gwresp_get},
    {"PATCH", API "/gatewayresponses/{response_type}", admin_gwresp_update},
    {"DELETE", API "/gatewayresponses/{response_type}", admin_gwresp_delete},
    {"PUT", RESOURCE "/cors", admin_cors_put},
    {"GET", "/cluster/jwks", admin_jwks_list},

    /* API keys and usage plans */
    {"POST", "/apikeys", admin_apikey_create},
    {"GET", "/apikeys", admin_apikey_list},
    {"GET", "/apikeys/{api_key_id}", admin_apikey_get},
    {"PATCH", "/apikeys/{api_key_id}", admin_apikey_update},
    {"DELETE", "/apikeys/{api_key_id}", admin_apikey_delete},
    {"POST", "/usageplans", admin_usageplan_create},
    {"GET", "/usageplans", admin_usageplan_list},
    {"GET", PLAN, admin_usageplan_get},
    {"PATCH", PLAN, admin_usageplan_update},
    {"DELETE", PLAN, admin_usageplan_delete},
    {"POST", PLAN "/keys", admin_usageplan_key_add},
    {"GET", PLAN "/keys", admin_usageplan_key_list},
    {"GET", PLAN "/keys/{key_id}", admin_usageplan_key_get},
    {"DELETE", PLAN "/keys/{key_id}", admin_usageplan_key_delete},
    {"GET", PLAN "/usage", admin_usageplan_usage},

    /* models and request validation */
    {"POST", API "/models", admin_model_create},
    {"GET", API "/models", admin_model_list},
    {"GET", API "/models/{model_name}", admin_model_get},
    {"PATCH", API "/models/{model_name}", admin_model_update},
    {"DELETE", API "/models/{model_name}", admin_model_delete},
    {"POST", API "/requestvalidators", admin_validator_create},
    {"GET", API "/requestvalidators", admin_validator_list},
    {"GET", API "/requestvalidators/{requestvalidator_id}", admin_validator_get},
    {"PATCH", API "/requestvalidators/{requestvalidator_id}", admin_validator_update},
    {"DELETE", API "/requestvalidators/{requestvalidator_id}", admin_validator_delete},
    /* SigV4 access keys of the management API */
    {"POST", "/portico/accesskeys", admin_accesskey_create},
    {"GET", "/portico/accesskeys", admin_accesskey_list},
    {"GET", "/portico/accesskeys/{access_key_id}", admin_accesskey_get},
    {"DELETE", "/portico/accesskeys/{access_key_id}", admin_accesskey_delete},

    /* apigatewayv2: HTTP and WebSocket APIs */
    {"POST", "/v2/apis", admin_v2_api_create},
    {"GET", "/v2/apis", admin_v2_api_list},
    {"GET", V2API, admin_v2_api_get},
    {"PATCH", V2API, admin_v2_api_update},
    {"DELETE", V2API, admin_v2_api_delete},
    {"DELETE", V2API "/cors", admin_v2_cors_delete},
    {"PUT", "/v2/apis", admin_v2_import},
    {"PUT", V2API, admin_v2_reimport},
    {"GET", V2API "/exports/{specification}", admin_v2_export},
    {"POST", V2API "/routes", admin_v2_route_create},
    {"GET", V2API "/routes", admin_v2_route_list},
    {"GET", V2ROUTE, admin_v2_route_get},
    {"PATCH", V2ROUTE, admin_v2_route_update},
    {"DELETE", V2ROUTE, admin_v2_route_delete},
    {"DELETE", V2ROUTE "/requestparameters/{param_key}", admin_v2_route_param_delete},
    {"POST", V2ROUTE "/routeresponses", admin_v2_route_response_create},
    {"GET", V2ROUTE "/routeresponses", admin_v2_route_response_list},
    {"GET", V2ROUTE "/routeresponses/{route_response_id}", admin_v2_route_response_get},
    {"PATCH", V2ROUTE "/routeresponses/{route_response_id}", admin_v2_route_response_update},
    {"DELETE", V2ROUTE "/routeresponses/{route_response_id}", admin_v2_route_response_delete},
    {"POST", V2API "/integrations", admin_v2_integration_create},
    {"GET", V2API "/integrations", admin_v2_integration_list},
    {"GET", V2INTEG, admin_v2_integration_get},
    {"PATCH", V2INTEG, admin_v2_integration_update},
    {"DELETE", V2INTEG, admin_v2_integration_delete},
    {"POST", V2INTEG "/integrationresponses", admin_v2_integration_response_create},
    {"GET", V2INTEG "/integrationresponses", admin_v2_integration_response_list},
    {"GET", V2INTEG "/integrationresponses/{integration_response_id}",
     admin_v2_integration_response_get},
    {"PATCH", V2INTEG "/integrationresponses/{integration_response_id}",
     admin_v2_integration_response_update},
    {"DELETE", V2INTEG "/integrationresponses/{integration_response_id}",
     admin_v2_integration_response_delete},
    {"POST", V2API "/stages", admin_v2_stage_create},
    {"GET", V2API "/stages", admin_v2_stage_list},
    {"GET", V2STAGE, admin_v2_stage_get},
    {"PATCH", V2STAGE, admin_v2_stage_update},
    {"DELETE", V2STAGE, admin_v2_stage_delete},
    {"DELETE", V2STAGE "/accesslogsettings", admin_v2_stage_access_log_delete},
    {"DELETE", V2STAGE "/routesettings/{route_key}", admin_v2_stage_route_settings_delete},
    {"DELETE", V2STAGE "/cache/authorizers", admin_v2_stage_authorizer_cache_reset},
    {"POST", V2API "/deployments", admin_v2_deployment_create},
    {"GET", V2API "/deployments", admin_v2_deployment_list},
    {"GET", V2API "/deployments/{deployment_id}", admin_v2_deployment_get},
    {"PATCH", V2API "/deployments/{deployment_id}", admin_v2_deployment_update},
    {"DELETE", V2API "/deployments/{deployment_id}", admin_v2_deployment_delete},
    {"POST", V2API "/authorizers", admin_v2_authorizer_create},
    {"GET", V2API "/authorizers", admin_v2_authorizer_list},
    {"GET", V2API "/authorizers/{authorizer_id}", admin_v2_authorizer_get},
    {"PATCH", V2API "/authorizers/{authorizer_id}", admin_v2_authorizer_update},
    {"DELETE", V2API "/authorizers/{authorizer_id}", admin_v2_authorizer_delete},
    {"POST", V2API "/models", admin_v2_model_create},
    {"GET", V2API "/models", admin_v2_model_list},
    {"GET", V2API "/models/{model_id}", admin_v2_model_get},
    {"PATCH", V2API "/models/{model_id}", admin_v2_model_update},
    {"DELETE", V2API "/models/{model_id}", admin_v2_model_delete},
    {"POST", "/v2/domainnames", admin_v2_domain_create},
    {"GET", "/v2/domainnames", admin_v2_domain_list},
    {"GET", V2DOMAIN, admin_v2_domain_get},
    {"DELETE", V2DOMAIN, admin_v2_domain_delete},
    {"POST", V2DOMAIN "/apimappings", admin_v2_mapping_create},
    {"GET", V2DOMAIN "/apimappings", admin_v2_mapping_list},
    {"GET", V2DOMAIN "/apimappings/{mapping_id}", admin_v2_mapping_get},
    {"PATCH", V2DOMAIN "/apimappings/{mapping_id}", admin_v2_mapping_update},
    {"DELETE", V2DOMAIN "/apimappings/{mapping_id}", admin_v2_mapping_delete},
    {"GET", "/v2/tags/{resource_arn}", admin_v2_tags_get},
    {"POST", "/v2/tags/{resource_arn}", admin_v2_tags_add},
    {"DELETE", "/v2/tags/{resource_arn}", admin_v2_tags_remove},

    {"GET", "/cluster/nodes", admin_cluster_nodes},
    {"GET", "/cluster/metrics", admin_metrics_query},
    {"GET", "/metrics", admin_metrics_prometheus},
    {"GET", "/healthz", admin_healthz},
    {NULL, NULL, NULL},
};
