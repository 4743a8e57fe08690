"""The public material behind labkit's rules, by the short key every ref, basis and rule source uses.

Each entry says what the key stands for in labkit's own words and where to read it: a Microsoft
documentation page (its address on learn.microsoft.com), a header file (its repository and path; a key
such as ``H:res:451-457`` names lines of it), a section of the MS-CMRP protocol specification, Microsoft's
sample code, or another public text. The keys are those of the two reference sheets labkit was built from.
"""

from __future__ import annotations

from labkit.winapi.sources.model import Source

_API = "https://learn.microsoft.com/en-us/windows/win32/api/"
_MSCS = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/"
_CMRP = "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cmrp/"
_JTC = "https://github.com/jadarnel27/joshthecoder.com/blob/0f0dbc2/_posts/"
_SAMPLE = "https://github.com/microsoft/Windows-classic-samples/tree/main/Samples/Win7Samples/netds/winsock/namingapi"


def _page(key: str, what: str, path: str) -> Source:
    return Source(key, "page", what, _API + path)


def _mscs(page: str, what: str) -> Source:
    return Source(f"W:{page}", "page", what, _MSCS + page)


NSPV2_PAGES = (
    _page("D-Startup", "The NSPv2Startup page (LPNSPV2STARTUP callback).", "ws2spi/nc-ws2spi-lpnspv2startup"),
    _page("D-Cleanup", "The NSPv2Cleanup page (LPNSPV2CLEANUP callback).", "ws2spi/nc-ws2spi-lpnspv2cleanup"),
    _page(
        "D-Rundown",
        "The NSPv2ClientSessionRundown page (LPNSPV2CLIENTSESSIONRUNDOWN callback).",
        "ws2spi/nc-ws2spi-lpnspv2clientsessionrundown",
    ),
    _page(
        "D-Begin",
        "The NSPv2LookupServiceBegin page (LPNSPV2LOOKUPSERVICEBEGIN callback).",
        "ws2spi/nc-ws2spi-lpnspv2lookupservicebegin",
    ),
    _page(
        "D-NextEx",
        "The NSPv2LookupServiceNextEx page (LPNSPV2LOOKUPSERVICENEXTEX callback).",
        "ws2spi/nc-ws2spi-lpnspv2lookupservicenextex",
    ),
    _page(
        "D-End",
        "The NSPv2LookupServiceEnd page (LPNSPV2LOOKUPSERVICEEND callback).",
        "ws2spi/nc-ws2spi-lpnspv2lookupserviceend",
    ),
    _page(
        "D-SetSvc",
        "The NSPv2SetServiceEx page (LPNSPV2SETSERVICEEX callback).",
        "ws2spi/nc-ws2spi-lpnspv2setserviceex",
    ),
    _page(
        "D-Routine",
        "The NSPV2_ROUTINE structure page: the provider's function table.",
        "ws2spi/ns-ws2spi-nspv2_routine",
    ),
    _page("D-Adv", "The WSAAdvertiseProvider page.", "ws2spi/nf-ws2spi-wsaadvertiseprovider"),
    _page("D-Unadv", "The WSAUnadvertiseProvider page.", "ws2spi/nf-ws2spi-wsaunadvertiseprovider"),
    _page(
        "D-Complete",
        "The WSAProviderCompleteAsyncCall page.",
        "ws2spi/nf-ws2spi-wsaprovidercompleteasynccall",
    ),
    _page("D-QS2", "The WSAQUERYSET2W structure page.", "winsock2/ns-winsock2-wsaqueryset2w"),
    _page(
        "D-NAPIBlob",
        "The NAPI_PROVIDER_INSTALLATION_BLOB page: the domains an NS_EMAIL provider serves.",
        "nsemail/ns-nsemail-napi_provider_installation_blob",
    ),
    _page(
        "D-NAPIType",
        "The NAPI_PROVIDER_TYPE page: how a provider is hosted.",
        "nsemail/ne-nsemail-napi_provider_type",
    ),
    _page("D-WSCInstEx", "The WSCInstallNameSpaceEx page.", "ws2spi/nf-ws2spi-wscinstallnamespaceex"),
    _page("D-WSCEnable", "The WSCEnableNSProvider page.", "ws2spi/nf-ws2spi-wscenablensprovider"),
    _page(
        "D-NSPStartup",
        "The NSPStartup page of the version 1 namespace provider.",
        "ws2spi/nf-ws2spi-nspstartup",
    ),
    _page(
        "D-LSB",
        "The WSALookupServiceBeginW page (the client's call).",
        "winsock2/nf-winsock2-wsalookupservicebeginw",
    ),
    _page(
        "D-LSN",
        "The WSALookupServiceNextW page (the client's call).",
        "winsock2/nf-winsock2-wsalookupservicenextw",
    ),
    _page(
        "D-LSE",
        "The WSALookupServiceEnd page (the client's call).",
        "winsock2/nf-winsock2-wsalookupserviceend",
    ),
    _page(
        "D-SetService", "The WSASetServiceW page (the client's call).", "winsock2/nf-winsock2-wsasetservicew"
    ),
    Source(
        "D-NSPInit",
        "page",
        "The Winsock guide's pages on namespace provider initialization, clean-up, configuration and "
        "installation (the version 1 wording the NSPv2 pages inherit).",
        ""
        "https://learn.microsoft.com/en-us/windows/win32/winsock/namespace-provider-initialization-and-cleanup",
    ),
    Source(
        "SYN",
        "page",
        "The Syntax block at the top of each D- page: the typedef as Microsoft publishes it (SYN-Begin is "
        "NSPv2LookupServiceBegin's, SYN-* all of them).",
        "https://github.com/m417z/windows-docs-scraper",
    ),
    Source(
        "scraper",
        "other",
        "A public mirror of the rendered learn.microsoft.com pages (m417z/windows-docs-scraper), used to "
        "read the current text and its links.",
        "https://github.com/m417z/windows-docs-scraper",
    ),
    Source(
        "REV-OLD",
        "other",
        "An older revision of the NSPv2 pages in MicrosoftDocs/sdk-api (commit 01397c92): its return "
        'sections read "(â€“1)", a mis-decoded "(–1)".',
        "https://github.com/MicrosoftDocs/sdk-api/commit/01397c92",
    ),
    Source(
        "REV-NEW",
        "other",
        "A later revision of the same pages (commit 18480a77, dated 12/05/2018), where the text has become "
        '"(that is, 1)".',
        "https://github.com/MicrosoftDocs/sdk-api/commit/18480a77",
    ),
)

CLUSTER_PAGES = (
    _page(
        "OV2",
        "The OfflineV2 page (POFFLINE_V2_ROUTINE): its parameters and the seven flags.",
        "resapi/nc-resapi-poffline_v2_routine",
    ),
    _page("ONV2", "The OnlineV2 page (PONLINE_V2_ROUTINE).", "resapi/nc-resapi-ponline_v2_routine"),
    _page(
        "OFF1",
        "The version 1 Offline page (POFFLINE_ROUTINE), whose remarks the V2 page lacks.",
        "resapi/nc-resapi-poffline_routine",
    ),
    _page("ON1", "The version 1 Online page (PONLINE_ROUTINE).", "resapi/nc-resapi-ponline_routine"),
    _page("TERM", "The Terminate page (PTERMINATE_ROUTINE).", "resapi/nc-resapi-pterminate_routine"),
    _page("CAN", "The Cancel page (PCANCEL_ROUTINE).", "resapi/nc-resapi-pcancel_routine"),
    _page("LA", "The LooksAlive page (PLOOKS_ALIVE_ROUTINE).", "resapi/nc-resapi-plooks_alive_routine"),
    _page("IA", "The IsAlive page (PIS_ALIVE_ROUTINE).", "resapi/nc-resapi-pis_alive_routine"),
    _page("OPEN", "The Open page (POPEN_ROUTINE).", "resapi/nc-resapi-popen_routine"),
    _page("OPEN2", "The OpenV2 page (POPEN_V2_ROUTINE).", "resapi/nc-resapi-popen_v2_routine"),
    _page("CLOSE", "The Close page (PCLOSE_ROUTINE).", "resapi/nc-resapi-pclose_routine"),
    _page("SU", "The Startup page (PSTARTUP_ROUTINE).", "resapi/nc-resapi-pstartup_routine"),
    _page("SUX", "The StartupEx page (PSTARTUP_EX_ROUTINE).", "resapi/nc-resapi-pstartup_ex_routine"),
    _page("SRS", "The SetResourceStatus callback page.", "resapi/nc-resapi-pset_resource_status_routine"),
    _page(
        "SRSX", "The SetResourceStatusEx callback page.", "resapi/nc-resapi-pset_resource_status_routine_ex"
    ),
    _page(
        "RS",
        "The RESOURCE_STATUS structure page: a status report and its CheckPoint.",
        "resapi/ns-resapi-resource_status",
    ),
    _page("RSX", "The RESOURCE_STATUS_EX structure page.", "resapi/ns-resapi-resource_status_ex"),
    _page("REX", "The RESOURCE_EXIT_STATE enumeration page.", "resapi/ne-resapi-resource_exit_state"),
    _page(
        "LOCK",
        "The SetResourceLockedMode callback page.",
        "resapi/nc-resapi-pset_resource_locked_mode_routine",
    ),
    _page("SF", "The SignalFailure callback page.", "resapi/nc-resapi-psignal_failure_routine"),
    _page("FT", "The FAILURE_TYPE enumeration page.", "resapi/ne-resapi-failure_type"),
    _page("ECC", "The EndControlCall callback page.", "resapi/nc-resapi-pend_control_call"),
    _page("BRC", "The BeginResourceControl page.", "resapi/nc-resapi-pbegin_rescall_routine"),
    _page(
        "V2",
        "The CLRES_V2_FUNCTIONS structure page: the V2 function table.",
        "resapi/ns-resapi-clres_v2_functions",
    ),
    _page("V3", "The CLRES_V3_FUNCTIONS structure page.", "resapi/ns-resapi-clres_v3_functions"),
    _page("V4", "The CLRES_V4_FUNCTIONS structure page.", "resapi/ns-resapi-clres_v4_functions"),
    _page("FTAB", "The CLRES_FUNCTION_TABLE structure page.", "resapi/ns-resapi-clres_function_table"),
    _page(
        "ROT",
        "The RESDLL_CONTEXT_OPERATION_TYPE enumeration page: why the cluster moves a group.",
        "resapi/ne-resapi-resdll_context_operation_type",
    ),
    _page(
        "GOC",
        "The GET_OPERATION_CONTEXT_PARAMS structure page.",
        "resapi/ns-resapi-get_operation_context_params",
    ),
    _page("CRS", "The CLUSTER_RESOURCE_STATE enumeration page.", "clusapi/ne-clusapi-cluster_resource_state"),
    _page(
        "MCGX",
        "The MoveClusterGroupEx page: the move flags a client passes.",
        "clusapi/nf-clusapi-moveclustergroupex",
    ),
    _page("ORX", "The OfflineClusterResourceEx page.", "clusapi/nf-clusapi-offlineclusterresourceex"),
    _page("ONRX", "The OnlineClusterResourceEx page.", "clusapi/nf-clusapi-onlineclusterresourceex"),
    _page("CCGO", "The CancelClusterGroupOperation page.", "clusapi/nf-clusapi-cancelclustergroupoperation"),
    Source(
        "DL-URL",
        "page",
        "The live DeadlockTimeout page, whose text differs from the W:deadlocktimeout source (it adds "
        "that PendingTimeout may not exceed DeadlockTimeout).",
        _MSCS + "deadlocktimeout",
    ),
)

GUIDE_PAGES = tuple(
    _mscs(page, what)
    for page, what in (
        ("implementing-offline", "Implementing Offline: what an Offline entry point should do."),
        ("implementing-online", "Implementing Online."),
        (
            "implementing-pending-operations",
            "Implementing pending operations: workers, ERROR_IO_PENDING, reports.",
        ),
        ("implementing-terminate", "Implementing Terminate."),
        ("implementing-isalive", "Implementing IsAlive."),
        ("implementing-looksalive", "Implementing LooksAlive."),
        ("implementing-asynchronous-failure-detection", "Implementing asynchronous failure detection."),
        ("implementing-open", "Implementing Open."),
        ("implementing-close", "Implementing Close."),
        ("implementing-startup", "Implementing Startup: version negotiation and the function table."),
        ("recommended-practices-for-resource-dlls", "Recommended practices: re-entrancy, the 300 ms rule."),
        ("function-calls-to-avoid-in-resource-dlls", "Function calls to avoid in resource DLLs."),
        ("resource-monitor", "The Resource Monitor: one rhs.exe per set of resources."),
        ("resource-failure", "Resource failure: how the Cluster service detects and handles it."),
        ("failover", "Failover: the steps of moving a group, with PendingTimeout as a total limit."),
        (
            "resources-pendingtimeout",
            "The PendingTimeout property: the gap allowed between two status reports.",
        ),
        ("deadlocktimeout", "The DeadlockTimeout property."),
        ("resources-restartaction", "The RestartAction property."),
        ("resources-retryperiodonfailure", "The RetryPeriodOnFailure property."),
        ("resources-persistentstate", "The PersistentState property."),
        ("resources-looksalivepollinterval", "The LooksAlivePollInterval property."),
        ("resources-isalivepollinterval", "The IsAlivePollInterval property."),
        ("resources-restartthreshold", "The RestartThreshold property."),
        ("resources-restartperiod", "The RestartPeriod property."),
        ("clusctl-resource-state-change-reason", "The CLUSCTL_RESOURCE_STATE_CHANGE_REASON control code."),
        (
            "clusctl-resource-get-operation-context",
            "The CLUSCTL_RESOURCE_GET_OPERATION_CONTEXT control code.",
        ),
        ("resource-common-properties", "The resource common properties."),
        ("resource-dll-entry-point-functions", "The list of resource DLL entry point functions."),
    )
)

PROPERTY_PAGES = tuple(
    Source(page, "page", what, _MSCS + page)
    for page, what in (
        (
            "resource-types-looksalivepollinterval",
            "The resource type's LooksAlivePollInterval (default 5000 ms).",
        ),
        ("resource-types-isalivepollinterval", "The resource type's IsAlivePollInterval (default 60000 ms)."),
        (
            "resources-restartdelay",
            "The RestartDelay property: the wait before a failed resource is restarted.",
        ),
        (
            "resources-separatemonitor",
            "The SeparateMonitor property: a resource in a Resource Monitor of its own.",
        ),
        (
            "groups-failoverthreshold",
            "The group's FailoverThreshold: failovers allowed within FailoverPeriod.",
        ),
        ("groups-failoverperiod", "The group's FailoverPeriod, in hours."),
    )
)
"""Property pages of the same guide that rules cite by their page name alone."""

HEADERS = (
    Source(
        "H-ROS",
        "header",
        "ReactOS's ws2spi.h, which declares NSPv2 with SAL annotations.",
        "https://github.com/reactos/reactos/blob/master/sdk/include/psdk/ws2spi.h",
    ),
    Source(
        "H-MGW",
        "header",
        "mingw-w64's headers (ws2spi.h, winsock2.h, winerror.h, nsemail.h, psdk_inc/_socket_types.h, "
        "psdk_inc/_wsa_errnos.h; snapshot d7f3c520): the numeric values, though its NSPv2 return types are "
        "wrong.",
        "https://github.com/mingw-w64/mingw-w64/tree/master/mingw-w64-headers/include",
    ),
    Source(
        "H-SDK",
        "header",
        "A copy of Microsoft's own SDK ws2spi.h with __in/__deref_out annotations, found in public code "
        "(its repository was not identified); it agrees with H-ROS on NSPv2.",
    ),
    Source(
        "H-WINE",
        "header",
        "Wine's ws2spi.h and winsock2.h, which declare no NSPv2 item.",
        "https://github.com/wine-mirror/wine/blob/master/include/ws2spi.h",
    ),
    Source(
        "WSYS",
        "header",
        "The windows-sys crate's type pages, generated from Microsoft's win32metadata (built from the SDK "
        "headers).",
        "https://docs.rs/windows-sys/latest/windows_sys/Win32/Networking/WinSock/index.html",
    ),
    Source(
        "H:res",
        "header",
        "resapi.h as the Windows SDK ships it (microsoft/win32metadata, commit d0f3630). H:res:NNN names "
        "line NNN, H:res:NNN-MMM lines NNN to MMM.",
        ""
        "https://github.com/microsoft/win32metadata/blob/d0f3630/generation/WinSDK/RecompiledIdlHeaders/um/ResApi.h",
    ),
    Source(
        "H:clus",
        "header",
        "ClusApi.h from the same SDK copy; H:clus:NNN names a line.",
        ""
        "https://github.com/microsoft/win32metadata/blob/d0f3630/generation/WinSDK/RecompiledIdlHeaders/um/ClusApi.h",
    ),
    Source(
        "H:err",
        "header",
        "winerror.h from the same SDK copy: the Win32 error codes.",
        ""
        "https://github.com/microsoft/win32metadata/blob/d0f3630/generation/WinSDK/RecompiledIdlHeaders/shared/winerror.h",
    ),
    Source(
        "H:mingw",
        "header",
        "mingw-w64's resapi.h (last changed 2014): an older, independent re-declaration.",
        "https://github.com/mingw-w64/mingw-w64/blob/master/mingw-w64-headers/include/resapi.h",
    ),
)

PROTOCOL = (
    Source(
        "CMRP-MGX",
        "protocol",
        "MS-CMRP 3.1.4.2.131, ApiMoveGroupEx: the move flags on the wire.",
        _CMRP + "ba315e35-f381-477d-8c36-0c71dc434fa8",
    ),
    Source(
        "CMRP-ORX",
        "protocol",
        "MS-CMRP 3.1.4.2.135, ApiOfflineResourceEx.",
        _CMRP + "e9ec30d6-4008-4c91-a6b6-fde6a794ce87",
    ),
    Source(
        "CMRP-OGX",
        "protocol",
        "MS-CMRP 3.1.4.2.130, ApiOfflineGroupEx.",
        _CMRP + "f442fdeb-08cb-4144-aef2-22fd8b640929",
    ),
    Source(
        "MS-CMRP",
        "protocol",
        "The Failover Cluster Management API (ClusAPI) protocol specification as a whole (a section number "
        "follows when a rule cites one).",
        _CMRP,
    ),
)

SAMPLES = (
    Source(
        "S-Prov",
        "sample",
        "Microsoft's NSPv2 sample provider: Provider/SampleProvider.c.",
        _SAMPLE + "/Provider",
    ),
    Source(
        "S-Inst", "sample", "The sample's installer: Provider/Install.c and Install.h.", _SAMPLE + "/Provider"
    ),
    Source("S-Utils", "sample", "The sample's result packing: Provider/utils.c.", _SAMPLE + "/Provider"),
    Source("S-Reg", "sample", "The sample's registration store: Provider/Reg.c.", _SAMPLE + "/Provider"),
    Source("S-Client", "sample", "The sample's client: Client/SampleClient.c.", _SAMPLE + "/Client"),
    Source(
        "ROS-WS2",
        "sample",
        "ReactOS's ws2_32 (nsquery.c, nsprovid.c, nscatent.c, rnr.c): an open version 1 namespace host, "
        "whose NSPv2 exports are stubs.",
        "https://github.com/reactos/reactos/tree/master/dll/win32/ws2_32/src",
    ),
)

OTHER = (
    Source(
        "SEED",
        "page",
        "The French rendering of the page each lab started from: LPNSPV2CLIENTSESSIONRUNDOWN for NSPv2, "
        "POFFLINE_V2_ROUTINE for clustering.",
        "https://learn.microsoft.com/fr-fr/windows/win32/api/ws2spi/nc-ws2spi-lpnspv2clientsessionrundown",
        ("https://learn.microsoft.com/fr-fr/windows/win32/api/resapi/nc-resapi-poffline_v2_routine",),
    ),
    Source(
        "BLOG-RHS",
        "other",
        "The Failover Clustering team's blog post \"Understanding how Failover Clustering Recovers from "
        'Unresponsive Resources" (2013): health checks, DeadlockTimeout, RHS restarts.',
        ""
        "https://techcommunity.microsoft.com/t5/failover-clustering/understanding-how-failover-clustering-recovers-from-unresponsive/ba-p/371847",
    ),
    Source(
        "PSDOC",
        "page",
        "The Get-ClusterLog page (cluster.log is stamped in UTC unless -UseLocalTime).",
        "https://learn.microsoft.com/en-us/powershell/module/failoverclusters/get-clusterlog",
    ),
    Source(
        "SQLLOG",
        "page",
        "SQL Server's page on reading cluster.log for availability groups (a full sample log).",
        ""
        "https://learn.microsoft.com/en-us/sql/database-engine/availability-groups/windows/cluster-log-always-on-availability-groups",
    ),
    Source(
        "SQLHADR",
        "page",
        "SQL Server on Azure VMs: cluster best practices (event IDs and timeouts).",
        ""
        "https://learn.microsoft.com/en-us/azure/azure-sql/virtual-machines/windows/hadr-cluster-best-practices",
    ),
    Source(
        "JTC-A",
        "other",
        "Josh Darnell's post on unexpected failovers when patching availability groups (cluster.log "
        "excerpts).",
        _JTC + "2020-05-21-prevent-unexpected-failovers-when-patching-ags.markdown",
    ),
    Source(
        "JTC-B",
        "other",
        "Josh Darnell's post on running RHS in a separate process (cluster.log excerpts).",
        _JTC + "2018-12-03-always-run-rhs-in-separate-process.markdown",
    ),
    Source(
        "JTC-C",
        "other",
        "Josh Darnell's post on a bug with availability group health checks (cluster.log excerpts).",
        _JTC + "2020-06-22-a-bug-with-ag-health-checks.markdown",
    ),
)

DOCUMENTS = (
    *NSPV2_PAGES,
    *CLUSTER_PAGES,
    *GUIDE_PAGES,
    *PROPERTY_PAGES,
    *HEADERS,
    *PROTOCOL,
    *SAMPLES,
    *OTHER,
)
"""Every source key but the sheets' sections, in the order the sources page lists them."""
