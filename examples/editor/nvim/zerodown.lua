-- zerodown in Neovim: put this file in ~/.config/nvim/plugin/ (or source it).
--   :ZerodownRender   re-render the bundle of the current zerodown.yaml; errors go to the quickfix
--                     list (zerodown prints them as file:line:column: error: message)
--   :ZerodownPreview  the rendered manifests in a scratch YAML buffer (`zerodown render -o -`)
--   :ZerodownNew NAME PRESET IMAGE   a new bundle in deploy/NAME, then open its README
local function errorformat()
  return "%f:%l:%c: %trror: %m,%f:%l:%c: %tarning: %m"
end

vim.api.nvim_create_user_command("ZerodownRender", function()
  vim.opt_local.makeprg = "zerodown render -f %"
  vim.opt_local.errorformat = errorformat()
  vim.cmd("silent make! | cwindow")
end, { desc = "zerodown render (quickfix on errors)" })

vim.api.nvim_create_user_command("ZerodownPreview", function()
  local spec = vim.fn.expand("%:p")
  local out = vim.fn.systemlist({ "zerodown", "render", "-f", spec, "-o", "-" })
  if vim.v.shell_error ~= 0 then
    vim.fn.setqflist({}, "r", { lines = out, efm = errorformat() })
    vim.cmd("cwindow")
    return
  end
  vim.cmd("new")
  vim.bo.buftype, vim.bo.bufhidden, vim.bo.filetype = "nofile", "wipe", "yaml"
  vim.api.nvim_buf_set_lines(0, 0, -1, false, out)
end, { desc = "zerodown render -o - into a scratch buffer" })

vim.api.nvim_create_user_command("ZerodownNew", function(opts)
  local name, preset, image = unpack(opts.fargs)
  local dir = "deploy/" .. name
  local out = vim.fn.systemlist({ "zerodown", "new", name, "--preset", preset, "--image", image, "-o", dir, "--no-input" })
  if vim.v.shell_error ~= 0 then
    vim.notify(table.concat(out, "\n"), vim.log.levels.ERROR)
    return
  end
  vim.cmd("edit " .. vim.fn.fnameescape(dir .. "/README.md"))
end, { nargs = 3, desc = "zerodown new NAME PRESET IMAGE" })
