# Warnings are errors for uk's own code (not for third-party headers, which come in as
# system includes).
function(uk_project_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough
    -Wno-unused-parameter)
endfunction()
